/* plugin_extract_fields: one guest parse per event (keyed by evtnum + event pointer/ts/len),
 * one guest call per field. Values stay valid until the next extract_fields call on the same
 * state: numbers are copied into per-state storage; strings are handed out where the guest
 * left them unless another guest call follows in the same invocation (then they are copied
 * first), so the usual one-field call copies no string. */
#include "plugin.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Grows *buf to hold at least `need` elements of `size` bytes. */
static int grow_to(void **buf, size_t *cap, size_t need, size_t size)
{
	size_t ncap = *cap ? *cap : 16;
	while (ncap < need)
		ncap *= 2;
	void *nb = realloc(*buf, ncap * size);
	if (nb == NULL)
		return -1;
	*buf = nb;
	*cap = ncap;
	return 0;
}

static inline int grow(void **buf, size_t *cap, size_t need, size_t size)
{
	return need <= *cap ? 0 : grow_to(buf, cap, need, size);
}

void dkr_arena_free(dkr_arena *a)
{
	free(a->strs);
	free(a->soff);
	free(a->chars);
	free(a->u64s);
	free(a->u32s);
	free(a->slots);
	free(a->zero_offsets);
	memset(a, 0, sizeof(*a));
}

/* Copies the strings still in guest memory into chars: called before every guest call. */
static int spill(dkr_arena *a)
{
	size_t need = a->chars_len;
	for (size_t k = a->pending; k < a->strs_len; k++)
		need += a->soff[k] + 1;
	if (grow((void **)&a->chars, &a->chars_cap, need, 1))
		return -1;
	for (size_t k = a->pending; k < a->strs_len; k++) {
		size_t len = a->soff[k];
		memcpy(a->chars + a->chars_len, a->strs[k], len);
		a->chars[a->chars_len + len] = '\0';
		a->soff[k] = a->chars_len;
		a->chars_len += len + 1;
	}
	a->pending = a->strs_len;
	return 0;
}

/* The payload of a well-formed docker plugin event, or NULL. */
static const uint8_t *event_payload(const ss_plugin_event *evt, uint32_t *len)
{
	if (evt == NULL || evt->type != DKR_PPME_PLUGINEVENT_E || evt->nparams != 2 ||
	    evt->len < DKR_PLUGIN_EVENT_PAYLOAD_OFFSET)
		return NULL;
	const uint8_t *p = (const uint8_t *)evt;
	uint32_t l0, l1;
	memcpy(&l0, p + 26, 4);
	memcpy(&l1, p + 30, 4);
	if (l0 != 4 || (uint64_t)DKR_PLUGIN_EVENT_PAYLOAD_OFFSET + l1 > evt->len)
		return NULL;
	*len = l1;
	return p + DKR_PLUGIN_EVENT_PAYLOAD_OFFSET;
}

/* Brings the guest back after a trap; 0 when usable. */
static int ensure_guest(ss_plugin_t *s)
{
	if (dkr_guest_usable(s->guest))
		return 0;
	char err[512];
	s->parsed = 0;
	if (dkr_guest_recreate(s->guest, err, sizeof(err)) != 0) {
		dkr_log_msg(&s->log, SS_PLUGIN_LOG_SEV_ERROR, "cannot re-create the extractor: %s",
		            err);
		return -1;
	}
	return 0;
}

static void count_trap(ss_plugin_t *s, const char *what)
{
	dkr_metric_add(&s->metrics, DKR_M_GUEST_TRAPS, 1);
	dkr_log_msg(&s->log, SS_PLUGIN_LOG_SEV_WARNING, "extractor trapped in %s: %s", what,
	            dkr_guest_last_trap(s->guest));
}

static inline int is_parsed(const ss_plugin_t *s, const ss_plugin_event_input *ei)
{
	const ss_plugin_event *evt = ei->evt;
	return s->parsed && s->parsed_evtnum == ei->evtnum && s->parsed_evt == evt &&
	       s->parsed_ts == evt->ts && s->parsed_len == evt->len;
}

/* ---------------------------------------------------------------- fields asked in advance
 * Falco reads one field per extract_fields call, and on every event of a rule set much the
 * same fields in the same order (a field as often as rules read it). So the fields Falco
 * asked for on the last event are asked of the module with the next event's parse (ABI.md
 * dkr_parse_extract): one call into the module per event, the fields are then answered from
 * the answer table. A field asked for that was not asked in advance costs a dkr_extract
 * call, one asked in advance and not asked for costs only its extraction in the module.
 * While Falco asks in the order of the last event (batch->seq), nothing is recorded (`pos`
 * counts the requests); at the first other request `asked` takes the part asked so far and
 * records the rest, and becomes the next event's `batch`. The module's request table is
 * written only when `batch` changes (or the module was re-created). */

static inline int req_is(const dkr_requests *l, uint32_t i, uint32_t mid, const char *arg,
                         int32_t arg_len)
{
	const dkr_request *r = &l->r[i];
	return r->mid == mid && r->arg_len == arg_len &&
	       (arg_len <= 0 || memcmp(l->args + r->arg_off, arg, (size_t)arg_len) == 0);
}

static int find_request(const dkr_requests *l, uint32_t mid, const char *arg, int32_t arg_len)
{
	for (uint32_t h = mid % DKR_ASK_HASH;; h = (h + 1) % DKR_ASK_HASH) {
		int i = l->hash[h];
		if (i < 0)
			return -1;
		if (req_is(l, (uint32_t)i, mid, arg, arg_len))
			return i;
	}
}

static void clear_requests(dkr_requests *l)
{
	l->n = 0;
	l->args_len = 0;
	l->seq_n = 0;
	memset(l->hash, -1, sizeof(l->hash));
}

static void hash_request(dkr_requests *l, uint32_t i)
{
	uint32_t h = l->r[i].mid % DKR_ASK_HASH;
	while (l->hash[h] >= 0)
		h = (h + 1) % DKR_ASK_HASH;
	l->hash[h] = (int8_t)i;
}

/* Appends (mid, arg); its index, or -1 when the list or its argument area is full. */
static int add_request(dkr_requests *l, uint32_t mid, const char *arg, int32_t arg_len)
{
	if (l->n >= DKR_GUEST_MAX_REQUESTS ||
	    (arg_len > 0 && (uint32_t)arg_len > DKR_GUEST_REQUEST_ARGS - l->args_len))
		return -1;
	uint32_t i = l->n++;
	dkr_request *r = &l->r[i];
	r->mid = mid;
	r->arg_len = arg_len;
	r->arg_off = l->args_len;
	if (arg_len > 0) {
		memcpy(l->args + l->args_len, arg, (size_t)arg_len);
		l->args_len += (uint32_t)arg_len;
	}
	hash_request(l, i);
	return (int)i;
}

/* From now on this event's requests go to `asked`, which starts with the requests asked so
 * far (batch->seq[0..pos): batch lists its requests in the order they were first asked, so
 * they are batch->r[0..m) for the largest index m - 1 in that part). */
static void deviate(dkr_ask *k)
{
	if (k->deviated)
		return;
	k->deviated = 1;
	dkr_requests *a = k->asked, *b = k->batch;
	clear_requests(a);
	uint32_t m = 0;
	for (uint32_t p = 0; p < k->pos; p++)
		if (b->seq[p] + 1u > m)
			m = b->seq[p] + 1u;
	memcpy(a->r, b->r, m * sizeof(dkr_request));
	a->n = m;
	for (uint32_t i = 0; i < m; i++) {
		const dkr_request *r = &b->r[i];
		if (r->arg_len > 0 && r->arg_off + (uint32_t)r->arg_len > a->args_len)
			a->args_len = r->arg_off + (uint32_t)r->arg_len;
		hash_request(a, i);
	}
	memcpy(a->args, b->args, a->args_len);
	memcpy(a->seq, b->seq, k->pos);
	a->seq_n = k->pos;
}

/* A new event: what Falco asked for on the last one is what the module is asked for now. */
static void begin_event(ss_plugin_t *s, const ss_plugin_event_input *ei)
{
	dkr_ask *k = &s->ask;
	if (k->deviated || k->pos != k->batch->seq_n) {
		deviate(k);
		dkr_requests *t = k->batch;
		k->batch = k->asked;
		k->asked = t;
		k->table_gen = 0; /* the module's table holds the old batch */
	}
	k->pos = 0;
	k->deviated = 0;
	k->evtnum = ei->evtnum;
	k->evt = ei->evt;
}

/* Falco asks for (mid, arg): its index in the batch (-1: not asked in advance), and records
 * the request for the next event. */
static int asked_for(ss_plugin_t *s, uint32_t mid, const char *arg, int32_t arg_len)
{
	dkr_ask *k = &s->ask;
	dkr_requests *b = k->batch;
	if (!k->deviated) {
		if (k->pos < b->seq_n) {
			uint32_t i = b->seq[k->pos];
			if (req_is(b, i, mid, arg, arg_len)) {
				k->pos++;
				return (int)i;
			}
		}
		deviate(k);
	}
	if (!k->no_batch[mid]) {
		dkr_requests *a = k->asked;
		int j = find_request(a, mid, arg, arg_len);
		if (j < 0)
			j = add_request(a, mid, arg, arg_len);
		if (j >= 0 && a->seq_n < DKR_ASK_SEQ)
			a->seq[a->seq_n++] = (uint8_t)j;
	}
	return find_request(b, mid, arg, arg_len);
}

/* The extraction of field mid trapped: it is never asked in advance again. */
static void never_ask(ss_plugin_t *s, uint32_t mid)
{
	dkr_ask *k = &s->ask;
	k->no_batch[mid] = 1;
	deviate(k);
	dkr_requests *a = k->asked;
	int map[DKR_GUEST_MAX_REQUESTS];
	uint32_t o = 0;
	for (uint32_t i = 0; i < a->n; i++) {
		map[i] = a->r[i].mid == mid ? -1 : (int)o;
		if (map[i] >= 0)
			a->r[o++] = a->r[i];
	}
	a->n = o;
	uint32_t q = 0;
	for (uint32_t p = 0; p < a->seq_n; p++)
		if (map[a->seq[p]] >= 0)
			a->seq[q++] = (uint8_t)map[a->seq[p]];
	a->seq_n = q;
	memset(a->hash, -1, sizeof(a->hash));
	for (uint32_t i = 0; i < a->n; i++)
		hash_request(a, i);
}

/* Writes the batch to the module's request table when it does not hold it. */
static void sync_table(ss_plugin_t *s)
{
	dkr_ask *k = &s->ask;
	uint64_t gen;
	uint8_t *t = dkr_guest_requests(s->guest, &gen);
	if (k->table_gen == gen)
		return;
	for (uint32_t i = 0; i < k->batch->n; i++) {
		const dkr_request *r = &k->batch->r[i];
		memcpy(t + 12 * i, &r->mid, 4);
		memcpy(t + 12 * i + 4, &r->arg_len, 4);
		memcpy(t + 12 * i + 8, &r->arg_off, 4);
	}
	memcpy(t + 12 * DKR_GUEST_MAX_REQUESTS, k->batch->args, k->batch->args_len);
	k->table_gen = gen;
}

static void note_trap(ss_plugin_t *s, const char *what)
{
	count_trap(s, what);
	s->parsed = 0; /* the re-created guest parses again for the next field */
	s->ask.answered = 0;
}

/* One field: the parse of its event first when it is not parsed (with the fields asked in
 * advance), then its answer, or a dkr_extract call. 0 with the number of values in *n
 * (< 0: no value) and where they are in guest memory in *at; -1 when the event has no value
 * at all (not a docker event, a payload the module refuses, a trap: the next field tries
 * again after a trap). No string may be pending (a guest call may follow). */
static int extract_one(ss_plugin_t *s, const ss_plugin_event_input *ei, uint32_t mid,
                       const char *name, const char *arg, int32_t arg_len, int32_t *n,
                       uint32_t *at)
{
	dkr_ask *k = &s->ask;
	if (k->evtnum != ei->evtnum || k->evt != ei->evt)
		begin_event(s, ei);
	int bi = asked_for(s, mid, arg, arg_len);
	if (!is_parsed(s, ei)) {
		const ss_plugin_event *evt = ei->evt;
		uint32_t len;
		const uint8_t *payload = event_payload(evt, &len);
		if (payload == NULL || ensure_guest(s) != 0)
			return -1;
		/* The batch, and this field after it when it is not in it. */
		uint32_t count = 0;
		if (!k->off) {
			sync_table(s);
			count = k->batch->n;
		}
		if (bi < 0 || k->off) {
			uint64_t gen;
			uint8_t *t = dkr_guest_requests(s->guest, &gen);
			uint32_t off = k->off ? 0 : k->batch->args_len;
			if (count < DKR_GUEST_MAX_REQUESTS &&
			    (arg_len <= 0 || (uint32_t)arg_len <= DKR_GUEST_REQUEST_ARGS - off)) {
				memcpy(t + 12 * count, &mid, 4);
				memcpy(t + 12 * count + 4, &arg_len, 4);
				memcpy(t + 12 * count + 8, &off, 4);
				if (arg_len > 0)
					memcpy(t + 12 * DKR_GUEST_MAX_REQUESTS + off, arg, (size_t)arg_len);
				bi = (int)count++;
			}
		}
		int32_t rc;
		if (dkr_guest_parse_extract(s->guest, payload, len, count, &rc) != 0) {
			note_trap(s, name);
			if (count == 1 && bi == 0)
				never_ask(s, mid);
			else if (count > 1 && !k->off) {
				/* Some field asked in advance traps: ask one field per event from now on. */
				k->off = 1;
				dkr_log_msg(&s->log, SS_PLUGIN_LOG_SEV_WARNING,
				            "the extractor trapped with the fields asked in advance: asking "
				            "one field at a time from now on");
			}
			return -1;
		}
		s->parsed = 1;
		s->parsed_evtnum = ei->evtnum;
		s->parsed_evt = evt;
		s->parsed_ts = evt->ts;
		s->parsed_len = evt->len;
		s->parsed_rc = rc < 0 ? rc : 0;
		k->answered = rc < 0 ? 0 : count;
		if (rc < 0) {
			dkr_metric_add(&s->metrics, DKR_M_PAYLOAD_ERRORS, 1);
			return -1;
		}
	} else if (s->parsed_rc < 0) {
		return -1;
	}
	if (bi >= 0 && (uint32_t)bi < k->answered) {
		dkr_guest_answer(s->guest, (uint32_t)bi, n, at);
		if (*n != DKR_ERR_NO_ROOM)
			return 0;
	}
	if (dkr_guest_extract(s->guest, mid, arg, arg_len, n) != 0) {
		note_trap(s, name);
		never_ask(s, mid);
		return -1;
	}
	*at = dkr_guest_result_ptr(s->guest);
	return 0;
}

/* Takes the `n` values at guest offset `res` (an answer's, or the result area); fills *slot.
 * -1 = a value outside guest memory: the field has no value. */
static int take_values(ss_plugin_t *s, uint32_t type, uint32_t n, uint32_t res, dkr_slot *slot)
{
	dkr_arena *a = &s->arena;
	dkr_guest *g = s->guest;
	uint32_t width = type == DKR_FTYPE_BOOL ? 4 : 8;
	const uint8_t *area = dkr_guest_span(g, res, (uint64_t)n * width);
	if (area == NULL)
		return -1;
	switch (type) {
	case DKR_FTYPE_STRING:
		if (grow((void **)&a->strs, &a->strs_cap, a->strs_len + n, sizeof(char *)) ||
		    grow((void **)&a->soff, &a->soff_cap, a->strs_len + n, sizeof(size_t)))
			return -1;
		slot->start = a->strs_len;
		for (uint32_t i = 0; i < n; i++) {
			uint32_t sp, sl;
			memcpy(&sp, area + 8 * i, 4);
			memcpy(&sl, area + 8 * i + 4, 4);
			const uint8_t *str = dkr_guest_span(g, sp, (uint64_t)sl + 1);
			if (str != NULL && str[sl] == '\0') {
				a->strs[a->strs_len] = (const char *)str; /* pending: stays in guest memory */
				a->soff[a->strs_len++] = sl;
				continue;
			}
			/* No NUL after it (a module that does not follow ABI.md): copy it now. */
			str = dkr_guest_span(g, sp, sl);
			if (str == NULL || spill(a) != 0 ||
			    grow((void **)&a->chars, &a->chars_cap, a->chars_len + sl + 1, 1)) {
				a->strs_len = a->pending = slot->start;
				return -1;
			}
			memcpy(a->chars + a->chars_len, str, sl);
			a->chars[a->chars_len + sl] = '\0';
			a->soff[a->strs_len++] = a->chars_len;
			a->pending = a->strs_len;
			a->chars_len += sl + 1;
		}
		break;
	case DKR_FTYPE_UINT64:
	case DKR_FTYPE_RELTIME:
	case DKR_FTYPE_ABSTIME:
		if (grow((void **)&a->u64s, &a->u64s_cap, a->u64s_len + n, 8))
			return -1;
		slot->start = a->u64s_len;
		memcpy(a->u64s + a->u64s_len, area, (size_t)n * 8);
		a->u64s_len += n;
		break;
	case DKR_FTYPE_BOOL:
		if (grow((void **)&a->u32s, &a->u32s_cap, a->u32s_len + n, 4))
			return -1;
		slot->start = a->u32s_len;
		for (uint32_t i = 0; i < n; i++) {
			uint32_t b;
			memcpy(&b, area + 4 * i, 4);
			a->u32s[a->u32s_len + i] = b != 0;
		}
		a->u32s_len += n;
		break;
	default:
		return -1; /* ipaddr/ipnet: not in guest ABI v1 */
	}
	slot->type = type;
	slot->n = n;
	return 0;
}

/* The argument of field `f` as the guest takes it: 0 with *arg and *arg_len (-1 = none),
 * or -1 when it cannot be passed (counted). */
static int field_arg(ss_plugin_t *s, const ss_plugin_extract_field *f, char num[24],
                     const char **arg, int32_t *arg_len)
{
	*arg = NULL;
	*arg_len = -1;
	if (!f->arg_present)
		return 0;
	if (f->arg_key != NULL) {
		*arg = f->arg_key;
	} else if (f->arg_index != UINT64_MAX) {
		snprintf(num, 24, "%" PRIu64, f->arg_index);
		*arg = num;
	} else {
		dkr_metric_add(&s->metrics, DKR_M_EXTRACTION_ERRORS, 1);
		return -1; /* an argument that is not a valid index */
	}
	size_t l = strlen(*arg);
	if (l > 65536) {
		dkr_metric_add(&s->metrics, DKR_M_EXTRACTION_ERRORS, 1);
		return -1; /* over the guest's argument limit */
	}
	*arg_len = (int32_t)l;
	return 0;
}

/* Points field f at the values of slot (the storage no longer moves). */
static inline void hand_out(dkr_arena *a, ss_plugin_extract_field *f, const dkr_slot *slot)
{
	switch (slot->type) {
	case DKR_FTYPE_STRING:
		f->res.str = a->strs + slot->start;
		break;
	case DKR_FTYPE_BOOL:
		f->res.boolean = a->u32s + slot->start;
		break;
	default:
		f->res.u64 = a->u64s + slot->start;
		break;
	}
	f->res_len = slot->n;
}

/* Falco's call: one field, no value offsets (its filterchecks ask so, once per field). */
static ss_plugin_rc extract_single(ss_plugin_t *s, const ss_plugin_event_input *ei,
                                   ss_plugin_extract_field *f)
{
	f->res_len = 0;
	if (f->field_id >= s->id_map_len || s->id_map[f->field_id] < 0)
		return SS_PLUGIN_SUCCESS;
	uint32_t mid = (uint32_t)s->id_map[f->field_id];
	const dkr_field *def = &s->table.f[mid];
	char num[24];
	const char *arg = NULL;
	int32_t arg_len = -1;
	if (f->arg_present && field_arg(s, f, num, &arg, &arg_len) != 0)
		return SS_PLUGIN_SUCCESS;
	int32_t n;
	uint32_t at;
	if (extract_one(s, ei, mid, def->name, arg, arg_len, &n, &at) != 0)
		return SS_PLUGIN_SUCCESS;
	if (n <= 0) {
		if (n < 0 && n != DKR_ERR_NO_EVENT)
			dkr_metric_add(&s->metrics, DKR_M_EXTRACTION_ERRORS, 1);
		return SS_PLUGIN_SUCCESS;
	}
	if (!def->is_list && n > 1)
		n = 1;
	if (n == 1) {
		/* One value, as most fields have: straight from guest memory, no arena. */
		dkr_guest *g = s->guest;
		const uint8_t *v = dkr_guest_span(g, at, 8);
		if (v != NULL) {
			switch (def->type) {
			case DKR_FTYPE_STRING: {
				uint32_t sp, sl;
				memcpy(&sp, v, 4);
				memcpy(&sl, v + 4, 4);
				const uint8_t *str = dkr_guest_span(g, sp, (uint64_t)sl + 1);
				if (str == NULL || str[sl] != '\0')
					break; /* the general path copies it, or refuses it */
				s->one.str = (const char *)str;
				f->res.str = &s->one.str;
				f->res_len = 1;
				return SS_PLUGIN_SUCCESS;
			}
			case DKR_FTYPE_BOOL: {
				uint32_t b;
				memcpy(&b, v, 4);
				s->one.u32 = b != 0;
				f->res.boolean = &s->one.u32;
				f->res_len = 1;
				return SS_PLUGIN_SUCCESS;
			}
			case DKR_FTYPE_UINT64:
			case DKR_FTYPE_RELTIME:
			case DKR_FTYPE_ABSTIME:
				memcpy(&s->one.u64, v, 8);
				f->res.u64 = &s->one.u64;
				f->res_len = 1;
				return SS_PLUGIN_SUCCESS;
			default:
				break;
			}
		}
	}
	dkr_arena *a = &s->arena;
	a->strs_len = a->pending = a->chars_len = a->u64s_len = a->u32s_len = 0;
	dkr_slot slot;
	if (take_values(s, def->type, (uint32_t)n, at, &slot) != 0) {
		dkr_metric_add(&s->metrics, DKR_M_EXTRACTION_ERRORS, 1);
		return SS_PLUGIN_SUCCESS;
	}
	for (size_t k = 0; k < a->pending; k++)
		a->strs[k] = a->chars + a->soff[k];
	hand_out(a, f, &slot);
	return SS_PLUGIN_SUCCESS;
}

ss_plugin_rc plugin_extract_fields(ss_plugin_t *s, const ss_plugin_event_input *ei,
                                   const ss_plugin_field_extract_input *in)
{
	if (in == NULL)
		return SS_PLUGIN_FAILURE;
	uint32_t nf = in->num_fields;
	ss_plugin_extract_field *fields = in->fields;
	if (s == NULL || s->guest == NULL || s->ask.batch == NULL || ei == NULL || ei->evt == NULL) {
		for (uint32_t i = 0; i < nf; i++)
			fields[i].res_len = 0;
		return SS_PLUGIN_FAILURE;
	}
	dkr_seen(s, ei->evt);
	if (nf == 1 && in->value_offsets == NULL)
		return extract_single(s, ei, fields);
	for (uint32_t i = 0; i < nf; i++)
		fields[i].res_len = 0;
	dkr_arena *a = &s->arena;
	a->strs_len = a->pending = a->chars_len = a->u64s_len = a->u32s_len = 0;
	if (grow((void **)&a->slots, &a->slots_cap, nf, sizeof(dkr_slot)))
		return SS_PLUGIN_FAILURE;

	for (uint32_t i = 0; i < nf; i++) {
		ss_plugin_extract_field *f = &fields[i];
		dkr_slot *slot = &a->slots[i];
		slot->type = 0;
		slot->n = 0;
		if (f->field_id >= s->id_map_len || s->id_map[f->field_id] < 0)
			continue;
		uint32_t mid = (uint32_t)s->id_map[f->field_id];
		const dkr_field *def = &s->table.f[mid];
		char num[24];
		const char *arg;
		int32_t arg_len;
		if (field_arg(s, f, num, &arg, &arg_len) != 0)
			continue;
		/* The guest call below ends the validity of the strings taken so far. */
		if (a->pending < a->strs_len && spill(a) != 0)
			return SS_PLUGIN_FAILURE;
		int32_t n;
		uint32_t at;
		if (extract_one(s, ei, mid, def->name, arg, arg_len, &n, &at) != 0)
			continue;
		if (n < 0) {
			if (n != DKR_ERR_NO_EVENT)
				dkr_metric_add(&s->metrics, DKR_M_EXTRACTION_ERRORS, 1);
			continue;
		}
		if (n == 0)
			continue;
		if (!def->is_list && n > 1)
			n = 1;
		if (take_values(s, def->type, (uint32_t)n, at, slot) != 0)
			dkr_metric_add(&s->metrics, DKR_M_EXTRACTION_ERRORS, 1);
	}

	/* The storage no longer moves: hand out the values. */
	for (size_t k = 0; k < a->pending; k++)
		a->strs[k] = a->chars + a->soff[k];
	size_t total = 0;
	for (uint32_t i = 0; i < nf; i++) {
		const dkr_slot *slot = &a->slots[i];
		if (slot->n == 0)
			continue;
		hand_out(a, &fields[i], slot);
		total += slot->n;
	}
	if (in->value_offsets != NULL) {
		/* The guest does not report where values sit in the event: {0,0} = no offset.
		 * One entry per value (what libs 0.25 reads) and at least one per field. */
		size_t need = 2 * (total > nf ? total : nf);
		if (grow((void **)&a->zero_offsets, &a->zero_offsets_cap, need, 4) == 0) {
			memset(a->zero_offsets, 0, need * 4);
			in->value_offsets->start = a->zero_offsets;
			in->value_offsets->length = a->zero_offsets + need / 2;
		}
	}
	return SS_PLUGIN_SUCCESS;
}
