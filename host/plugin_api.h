/* Our own declarations of the Falco plugin C ABI (plugin API 3.12.0, libs 0.25.x), written
 * from the facts in the ABI reference (struct layouts measured on x86_64 LP64). Only what
 * this plugin and its harness use is declared; the offsets are pinned by static asserts so a
 * mistake fails the build instead of corrupting memory at run time. */
#ifndef DKR_PLUGIN_API_H
#define DKR_PLUGIN_API_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef uint32_t ss_plugin_bool;

typedef enum ss_plugin_rc {
	SS_PLUGIN_SUCCESS = 0,
	SS_PLUGIN_FAILURE = 1,
	SS_PLUGIN_TIMEOUT = -1,
	SS_PLUGIN_EOF = 2,
	SS_PLUGIN_NOT_SUPPORTED = 3,
} ss_plugin_rc;

typedef enum ss_plugin_schema_type {
	SS_PLUGIN_SCHEMA_NONE = 0,
	SS_PLUGIN_SCHEMA_JSON = 1,
} ss_plugin_schema_type;

/* Field types: the libscap PT_* codes. */
enum {
	DKR_FTYPE_UINT64 = 8,
	DKR_FTYPE_STRING = 9,
	DKR_FTYPE_RELTIME = 20,
	DKR_FTYPE_ABSTIME = 21,
	DKR_FTYPE_BOOL = 25,
	DKR_FTYPE_IPADDR = 40,
	DKR_FTYPE_IPNET = 41,
};

typedef enum ss_plugin_log_severity {
	SS_PLUGIN_LOG_SEV_FATAL = 1,
	SS_PLUGIN_LOG_SEV_CRITICAL = 2,
	SS_PLUGIN_LOG_SEV_ERROR = 3,
	SS_PLUGIN_LOG_SEV_WARNING = 4,
	SS_PLUGIN_LOG_SEV_NOTICE = 5,
	SS_PLUGIN_LOG_SEV_INFO = 6,
	SS_PLUGIN_LOG_SEV_DEBUG = 7,
	SS_PLUGIN_LOG_SEV_TRACE = 8,
} ss_plugin_log_severity;

typedef enum ss_plugin_metric_value_type {
	SS_PLUGIN_METRIC_VALUE_TYPE_U32 = 0,
	SS_PLUGIN_METRIC_VALUE_TYPE_S32 = 1,
	SS_PLUGIN_METRIC_VALUE_TYPE_U64 = 2,
	SS_PLUGIN_METRIC_VALUE_TYPE_S64 = 3,
	SS_PLUGIN_METRIC_VALUE_TYPE_D = 4,
	SS_PLUGIN_METRIC_VALUE_TYPE_F = 5,
	SS_PLUGIN_METRIC_VALUE_TYPE_I = 6,
} ss_plugin_metric_value_type;

typedef enum ss_plugin_metric_type {
	SS_PLUGIN_METRIC_TYPE_MONOTONIC = 0,
	SS_PLUGIN_METRIC_TYPE_NON_MONOTONIC = 1,
} ss_plugin_metric_type;

#define DKR_PLUGIN_MAX_ERRLEN 1024
#define DKR_PLUGIN_EVENT_PAYLOAD_OFFSET 38 /* 26 header + 2 x u32 lengths + u32 plugin id */
#define DKR_PPME_PLUGINEVENT_E 322

/* Opaque handles. */
typedef struct ss_plugin_t ss_plugin_t;
typedef struct ss_instance_t ss_instance_t;
typedef struct ss_plugin_owner_t ss_plugin_owner_t;

/* Event header, identical to ppm_evt_hdr: the only packed struct of the ABI. */
#pragma pack(push, 1)
typedef struct ss_plugin_event {
	uint64_t ts;
	uint64_t tid;
	uint32_t len; /* whole event, header included */
	uint16_t type;
	uint32_t nparams;
} ss_plugin_event;
#pragma pack(pop)

typedef struct ss_plugin_event_input {
	const ss_plugin_event *evt;
	uint64_t evtnum;
	const char *evtsrc;
} ss_plugin_event_input;

typedef struct ss_plugin_byte_buffer {
	uint32_t len;
	const void *ptr;
} ss_plugin_byte_buffer;

typedef struct ss_plugin_extract_value_offsets {
	uint32_t *start;
	uint32_t *length;
} ss_plugin_extract_value_offsets;

typedef struct ss_plugin_extract_field {
	union {
		const char **str;
		uint64_t *u64;
		uint32_t *u32;
		ss_plugin_bool *boolean;
		ss_plugin_byte_buffer *buf;
	} res;
	uint64_t res_len;
	uint32_t field_id;
	const char *field;
	const char *arg_key;
	uint64_t arg_index; /* UINT64_MAX when absent: use arg_present */
	ss_plugin_bool arg_present;
	uint32_t ftype;
	ss_plugin_bool flist; /* EPF_IS_LIST (64) when a list: test non-zero */
} ss_plugin_extract_field;

typedef void (*ss_plugin_log_fn_t)(ss_plugin_owner_t *o, const char *component, const char *msg,
                                   ss_plugin_log_severity sev);
typedef const char *(*ss_plugin_get_owner_last_error_fn_t)(ss_plugin_owner_t *o);

typedef struct ss_plugin_init_input {
	const char *config;
	ss_plugin_owner_t *owner;
	ss_plugin_get_owner_last_error_fn_t get_owner_last_error;
	const void *tables; /* ss_plugin_init_tables_input: unused here */
	ss_plugin_log_fn_t log_fn;
} ss_plugin_init_input;

/* The deprecated table reader vtable, embedded by value (4 function pointers). */
typedef struct dkr_table_reader_embedded {
	void (*fn[4])(void);
} dkr_table_reader_embedded;

typedef struct ss_plugin_field_extract_input {
	ss_plugin_owner_t *owner;
	ss_plugin_get_owner_last_error_fn_t get_owner_last_error;
	uint32_t num_fields;
	ss_plugin_extract_field *fields;
	dkr_table_reader_embedded table_reader;
	const void *table_reader_ext;
	ss_plugin_extract_value_offsets *value_offsets; /* may be NULL */
} ss_plugin_field_extract_input;

typedef union ss_plugin_metric_value {
	uint32_t u32;
	int32_t s32;
	uint64_t u64;
	int64_t s64;
	double d;
	float f;
	int i;
} ss_plugin_metric_value;

typedef struct ss_plugin_metric {
	const char *name;
	ss_plugin_metric_type type;
	ss_plugin_metric_value value;
	ss_plugin_metric_value_type value_type;
} ss_plugin_metric;

/* Layout pins (x86_64 / aarch64 LP64). */
_Static_assert(sizeof(ss_plugin_event) == 26, "ss_plugin_event is 26 bytes");
_Static_assert(offsetof(ss_plugin_event, len) == 16, "evt.len");
_Static_assert(offsetof(ss_plugin_event, type) == 20, "evt.type");
_Static_assert(offsetof(ss_plugin_event, nparams) == 22, "evt.nparams");
_Static_assert(sizeof(ss_plugin_event_input) == 24, "event_input");
_Static_assert(sizeof(ss_plugin_byte_buffer) == 16, "byte_buffer");
_Static_assert(sizeof(ss_plugin_extract_field) == 64, "extract_field");
_Static_assert(offsetof(ss_plugin_extract_field, field_id) == 16, "field_id");
_Static_assert(offsetof(ss_plugin_extract_field, arg_index) == 40, "arg_index");
_Static_assert(offsetof(ss_plugin_extract_field, arg_present) == 48, "arg_present");
_Static_assert(offsetof(ss_plugin_extract_field, flist) == 56, "flist");
_Static_assert(sizeof(ss_plugin_init_input) == 40, "init_input");
_Static_assert(offsetof(ss_plugin_init_input, log_fn) == 32, "log_fn");
_Static_assert(sizeof(ss_plugin_field_extract_input) == 80, "field_extract_input");
_Static_assert(offsetof(ss_plugin_field_extract_input, fields) == 24, "fields");
_Static_assert(offsetof(ss_plugin_field_extract_input, value_offsets) == 72, "value_offsets");
_Static_assert(sizeof(ss_plugin_metric) == 32, "metric");
_Static_assert(offsetof(ss_plugin_metric, value) == 16, "metric.value");
_Static_assert(offsetof(ss_plugin_metric, value_type) == 24, "metric.value_type");

/* The exported symbols (definitions in plugin.c, fields.c, extract.c, source.c, metrics.c).
 * Exported with default visibility; everything else in the library is hidden. */
#define DKR_EXPORT __attribute__((visibility("default")))

DKR_EXPORT const char *plugin_get_required_api_version(void);
DKR_EXPORT const char *plugin_get_version(void);
DKR_EXPORT const char *plugin_get_name(void);
DKR_EXPORT const char *plugin_get_description(void);
DKR_EXPORT const char *plugin_get_contact(void);
DKR_EXPORT const char *plugin_get_init_schema(ss_plugin_schema_type *schema_type);
DKR_EXPORT ss_plugin_t *plugin_init(const ss_plugin_init_input *input, ss_plugin_rc *rc);
DKR_EXPORT void plugin_destroy(ss_plugin_t *s);
DKR_EXPORT const char *plugin_get_last_error(ss_plugin_t *s);
DKR_EXPORT ss_plugin_metric *plugin_get_metrics(ss_plugin_t *s, uint32_t *num_metrics);

DKR_EXPORT uint32_t plugin_get_id(void);
DKR_EXPORT const char *plugin_get_event_source(void);
DKR_EXPORT ss_instance_t *plugin_open(ss_plugin_t *s, const char *params, ss_plugin_rc *rc);
DKR_EXPORT void plugin_close(ss_plugin_t *s, ss_instance_t *h);
DKR_EXPORT ss_plugin_rc plugin_next_batch(ss_plugin_t *s, ss_instance_t *h, uint32_t *nevts,
                                          ss_plugin_event ***evts);
DKR_EXPORT const char *plugin_list_open_params(ss_plugin_t *s, ss_plugin_rc *rc);
DKR_EXPORT const char *plugin_get_progress(ss_plugin_t *s, ss_instance_t *h, uint32_t *progress_pct);
DKR_EXPORT const char *plugin_event_to_string(ss_plugin_t *s, const ss_plugin_event_input *evt);

DKR_EXPORT const char *plugin_get_fields(void);
DKR_EXPORT ss_plugin_rc plugin_extract_fields(ss_plugin_t *s, const ss_plugin_event_input *evt,
                                              const ss_plugin_field_extract_input *in);
DKR_EXPORT const char *plugin_get_extract_event_sources(void);

#ifdef __cplusplus
}
#endif
#endif
