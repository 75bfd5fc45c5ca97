// The field table: ids (indexes), names, types, argument specs and descriptions, and its
// serialization to the JSON Falco's plugin_get_fields expects. Field ids are stable
// positions in this table (the host passes them back to dkr_extract).
//
// The table is a list of json-as @json classes whose members, in declaration order, are the
// get_fields entry; json-as writes the JSON (and its escaping) once, on the first
// dkr_fields_ptr/len call. Nothing on the per-event path touches it.

import { JSON } from "json-as";

// Field types, as get_fields names them.
const FT_STRING = "string";
const FT_UINT64 = "uint64";
const FT_RELTIME = "reltime";
const FT_ABSTIME = "abstime";
const FT_BOOL = "bool";

const ARG_NONE: bool = false;
const ARG_KEY: bool = true;         // required string key: field[key]

// Field ids.
export const F_STATUS: i32 = 0;
export const F_ID: i32 = 1;
export const F_FROM: i32 = 2;
export const F_TYPE: i32 = 3;
export const F_ACTION: i32 = 4;
export const F_STACK_NAMESPACE: i32 = 5;
export const F_NODE_ID: i32 = 6;
export const F_SWARM_TASK: i32 = 7;
export const F_SWARM_TASKID: i32 = 8;
export const F_SWARM_TASKNAME: i32 = 9;
export const F_SWARM_SERVICENAME: i32 = 10;
export const F_NODE_STATENEW: i32 = 11;
export const F_NODE_STATEOLD: i32 = 12;
export const F_ATTR_CONTAINER: i32 = 13;
export const F_ATTR_IMAGE: i32 = 14;
export const F_ATTR_NAME: i32 = 15;
export const F_ATTR_TYPE: i32 = 16;
export const F_ATTR_EXITCODE: i32 = 17;
export const F_ATTR_SIGNAL: i32 = 18;
export const F_SCOPE: i32 = 19;
export const F_ACTOR_ID: i32 = 20;
export const F_ATTRIBUTES: i32 = 21;
export const F_TIME: i32 = 22;
export const F_ACTION_NAME: i32 = 23;
export const F_EXEC_CMDLINE: i32 = 24;
export const F_HEALTH_STATUS: i32 = 25;
export const F_EXITCODE: i32 = 26;
export const F_EXEC_DURATION: i32 = 27;
export const F_EXEC_ID: i32 = 28;
export const F_CONTAINER_ID: i32 = 29;
export const F_CONTAINER_NAME: i32 = 30;
export const F_CONTAINER_IMAGE: i32 = 31;
export const F_CONTAINER_OLDNAME: i32 = 32;
export const F_NETWORK_ID: i32 = 33;
export const F_NETWORK_NAME: i32 = 34;
export const F_NETWORK_TYPE: i32 = 35;
export const F_VOLUME_NAME: i32 = 36;
export const F_VOLUME_DRIVER: i32 = 37;
export const F_VOLUME_DESTINATION: i32 = 38;
export const F_VOLUME_RW: i32 = 39;
export const F_IMAGE_NAME: i32 = 40;
export const F_ENDPOINT: i32 = 41;
export const F_C_PRIVILEGED: i32 = 42;
export const F_C_CAP_ADD: i32 = 43;
export const F_C_MOUNTS: i32 = 44;
export const F_C_MOUNT_SOURCE: i32 = 45;
export const F_C_MOUNT_DESTINATION: i32 = 46;
export const F_C_MOUNT_MODE: i32 = 47;
export const F_C_MOUNT_TYPE: i32 = 48;
export const F_C_NETWORK_MODE: i32 = 49;
export const F_C_PID_MODE: i32 = 50;
export const F_C_IPC_MODE: i32 = 51;
export const F_C_USER: i32 = 52;
export const F_C_IMAGE_ID: i32 = 53;
export const F_C_READONLY_ROOTFS: i32 = 54;
export const F_EXEC_TTY: i32 = 55;
export const F_EXEC_USER: i32 = 56;
export const F_EXEC_PRIVILEGED: i32 = 57;
export const F_COLLECTOR_GAP: i32 = 58;
export const F_COLLECTOR_DROPPED: i32 = 59;
export const F_COLLECTOR_REASON: i32 = 60;
export const F_EXEC_EXE: i32 = 61;
export const F_EXEC_ARGS: i32 = 62;
export const F_EXEC_HEALTHCHECK: i32 = 63;
export const F_EVENT_TRUNCATED: i32 = 64;
export const F_EVENT_ORIGINAL_SIZE: i32 = 65;
export const F_COLLECTOR_DROPPED_AT_LEAST: i32 = 66;
export const F_ENGINE: i32 = 67;
export const NFIELDS: i32 = 68;

/** The "arg" member of a get_fields entry. */
@json
class FieldArg {
  isRequired: bool = false;
  isIndex: bool = false;
  isKey: bool = false;
}

/** One get_fields entry; the member order is the JSON's key order. */
@json
class Field {
  type: string = "";
  name: string = "";
  desc: string = "";
  display: string = "";
  arg: FieldArg = new FieldArg();
  isList: bool = false;
  properties: Array<string> = [];
}

function add(t: Array<Field>, id: i32, name: string, type: string, display: string, desc: string, list: bool = false, key: bool = ARG_NONE): void {
  assert(t.length == id, "field table out of order");
  const f = new Field();
  f.type = type;
  f.name = name;
  f.desc = desc;
  f.display = display;
  f.arg.isRequired = key;
  f.arg.isKey = key;
  f.isList = list;
  t.push(f);
}

const NOTE_ABSENT = " No value when the event does not carry it.";
const ENRICH = " From the collector's inspect of the container at create/start (the event's \"falco\" key); no value when the inspect is absent.";
const ENRICH_EXEC = " From the collector's inspect of the exec at exec_create/exec_start (the event's \"falco\" key); no value when absent.";

function build(): Array<Field> {
  const t = new Array<Field>();
  add(t, F_STATUS, "docker.status", FT_STRING, "Status",
    "Deprecated status of the event as older daemons sent it (same as the action). Docker 29 no longer sends it: then derived from the action for container and image events, no value for other types.");
  add(t, F_ID, "docker.id", FT_STRING, "ID",
    "Deprecated id of the event's object as older daemons sent it (container or image ID). Docker 29 no longer sends it: then derived from the actor ID for container and image events, no value for other types.");
  add(t, F_FROM, "docker.from", FT_STRING, "From",
    "Deprecated image a container event's container runs, as older daemons sent it. Docker 29 no longer sends it: then derived from the image attribute for container events, no value for other types.");
  add(t, F_TYPE, "docker.type", FT_STRING, "Type",
    "Type of the object the event is about: container, image, network, volume, daemon, plugin, builder, service, node, secret, config, or collector for the plugin's own events.");
  add(t, F_ACTION, "docker.action", FT_STRING, "Action",
    "Action as sent by Docker, e.g. create, start, die, exec_start: sh -c id, health_status: healthy, connect, mount, tag.");
  add(t, F_STACK_NAMESPACE, "docker.stack.namespace", FT_STRING, "Stack Namespace",
    "Name of the docker stack the container belongs to (label com.docker.stack.namespace)." + NOTE_ABSENT);
  add(t, F_NODE_ID, "docker.node.id", FT_STRING, "Node ID",
    "ID of the swarm node that runs the task's container (label com.docker.swarm.node.id)." + NOTE_ABSENT);
  add(t, F_SWARM_TASK, "docker.swarm.task", FT_STRING, "Swarm Task",
    "Swarm task marker of a task's container (label com.docker.swarm.task)." + NOTE_ABSENT);
  add(t, F_SWARM_TASKID, "docker.swarm.taskid", FT_STRING, "Swarm Task ID",
    "ID of the swarm task the container runs (label com.docker.swarm.task.id)." + NOTE_ABSENT);
  add(t, F_SWARM_TASKNAME, "docker.swarm.taskname", FT_STRING, "Swarm Task Name",
    "Name of the swarm task the container runs (label com.docker.swarm.task.name)." + NOTE_ABSENT);
  add(t, F_SWARM_SERVICENAME, "docker.swarm.servicename", FT_STRING, "Swarm Service Name",
    "Name of the swarm service the container belongs to (label com.docker.swarm.service.name)." + NOTE_ABSENT);
  add(t, F_NODE_STATENEW, "docker.node.statenew", FT_STRING, "Node New State",
    "New state of a swarm node on node update events (attribute state.new)." + NOTE_ABSENT);
  add(t, F_NODE_STATEOLD, "docker.node.stateold", FT_STRING, "Node Old State",
    "Previous state of a swarm node on node update events (attribute state.old)." + NOTE_ABSENT);
  add(t, F_ATTR_CONTAINER, "docker.attributes.container", FT_STRING, "Attribute Container",
    "ID of the container a network connect/disconnect or volume mount/unmount event is about (attribute container)." + NOTE_ABSENT);
  add(t, F_ATTR_IMAGE, "docker.attributes.image", FT_STRING, "Attribute Image",
    "Image of the container on container events (attribute image)." + NOTE_ABSENT);
  add(t, F_ATTR_NAME, "docker.attributes.name", FT_STRING, "Attribute Name",
    "Name of the event's object (attribute name): container name, network name, image name, secret name..." + NOTE_ABSENT);
  add(t, F_ATTR_TYPE, "docker.attributes.type", FT_STRING, "Attribute Type",
    "Driver type of a network on network events, e.g. bridge (attribute type)." + NOTE_ABSENT);
  add(t, F_ATTR_EXITCODE, "docker.attributes.exitcode", FT_STRING, "Attribute Exit Code",
    "Exit code text of a container die or exec_die event (attribute exitCode)." + NOTE_ABSENT);
  add(t, F_ATTR_SIGNAL, "docker.attributes.signal", FT_STRING, "Attribute Signal",
    "Signal sent by a container kill event, as a number text, e.g. 9 (attribute signal)." + NOTE_ABSENT);
  add(t, F_SCOPE, "docker.scope", FT_STRING, "Scope",
    "Scope of the event: local for the daemon's own objects, swarm for cluster objects.");
  add(t, F_ACTOR_ID, "docker.actor.id", FT_STRING, "Actor ID",
    "ID of the event's object: container ID, image ID or reference, network ID, volume name, secret/config/service/node ID, or the endpoint for collector events.");
  add(t, F_ATTRIBUTES, "docker.attributes", FT_STRING, "Attribute",
    "Any attribute of the event by its key, e.g. docker.attributes[com.example.team]; container events carry every container label as an attribute." + NOTE_ABSENT,
    false, ARG_KEY);
  add(t, F_TIME, "docker.time", FT_ABSTIME, "Time",
    "Time of the event as the daemon stamped it, in ns since the epoch (timeNano, exact; time in seconds if timeNano is absent).");
  add(t, F_ACTION_NAME, "docker.action.name", FT_STRING, "Action Name",
    "The action without its argument: exec_create, exec_start or health_status for \"exec_start: <command>\" or \"health_status: <status>\", otherwise the action itself. In Docker's words on Podman (docker.engine = podman): a container's exec, exec_died and remove are exec_start, exec_die and destroy; a network's or volume's remove is destroy; an image's loadfromarchive is load.");
  add(t, F_EXEC_CMDLINE, "docker.exec.cmdline", FT_STRING, "Exec Command Line",
    "Command line of an exec_create or exec_start event (the text after \"exec_start: \" in the action); on Podman, whose exec events carry none, the command the collector found in the container's exec sessions (falco.exec.cmdline), when it could tell which." + NOTE_ABSENT);
  add(t, F_HEALTH_STATUS, "docker.health.status", FT_STRING, "Health Status",
    "Health status of a health_status event: healthy, unhealthy or starting (Docker: the action's argument; Podman: its HealthStatus key)." + NOTE_ABSENT);
  add(t, F_EXITCODE, "docker.exitcode", FT_UINT64, "Exit Code",
    "Exit code of a container die or exec_die event, as a number (attribute exitCode; Podman's exec_died: containerExitCode)." + NOTE_ABSENT);
  add(t, F_EXEC_DURATION, "docker.exec.duration", FT_RELTIME, "Run Duration",
    "How long the container ran, on die events of Docker 24 or later (attribute execDuration, in seconds), in ns." + NOTE_ABSENT);
  add(t, F_EXEC_ID, "docker.exec.id", FT_STRING, "Exec ID",
    "ID of the exec process on exec_create, exec_start and exec_die events (attribute execID)." + NOTE_ABSENT);
  add(t, F_CONTAINER_ID, "docker.container.id", FT_STRING, "Container ID",
    "ID of the container the event is about: the actor of container events, the container attribute of network connect/disconnect and volume mount/unmount events (Podman: the actor of network connect/disconnect). No value for other events.");
  add(t, F_CONTAINER_NAME, "docker.container.name", FT_STRING, "Container Name",
    "Name of the container on container events (attribute name). No value for other events.");
  add(t, F_CONTAINER_IMAGE, "docker.container.image", FT_STRING, "Container Image",
    "Image the container was created from, as given by the user, on container events (attribute image). No value for other events.");
  add(t, F_CONTAINER_OLDNAME, "docker.container.oldname", FT_STRING, "Container Old Name",
    "Previous name of a renamed container, without the leading slash (attribute oldName of rename events)." + NOTE_ABSENT);
  add(t, F_NETWORK_ID, "docker.network.id", FT_STRING, "Network ID",
    "ID of the network on network events (Podman's connect/disconnect name the container, not the network: no value). No value for other events.");
  add(t, F_NETWORK_NAME, "docker.network.name", FT_STRING, "Network Name",
    "Name of the network on network events (attribute name; Podman: attribute network). No value for other events.");
  add(t, F_NETWORK_TYPE, "docker.network.type", FT_STRING, "Network Type",
    "Driver of the network on network events, e.g. bridge, host, overlay (attribute type; Podman: attribute driver). No value for other events.");
  add(t, F_VOLUME_NAME, "docker.volume.name", FT_STRING, "Volume Name",
    "Name of the volume on volume events (Docker: the actor ID; Podman: attribute name). No value for other events.");
  add(t, F_VOLUME_DRIVER, "docker.volume.driver", FT_STRING, "Volume Driver",
    "Driver of the volume on volume events, e.g. local (attribute driver). No value for other events.");
  add(t, F_VOLUME_DESTINATION, "docker.volume.destination", FT_STRING, "Volume Destination",
    "Path inside the container where a volume mount event mounts the volume (attribute destination). No value for other events.");
  add(t, F_VOLUME_RW, "docker.volume.rw", FT_BOOL, "Volume Read-Write",
    "True if a volume mount event mounts the volume read-write, false if read-only (attribute read/write). No value for other events.");
  add(t, F_IMAGE_NAME, "docker.image.name", FT_STRING, "Image Name",
    "Name of the image on image events, e.g. busybox:latest (attribute name). No value for other events.");
  add(t, F_ENDPOINT, "docker.endpoint", FT_STRING, "Endpoint",
    "Docker endpoint the collector received the event from, e.g. unix:///var/run/docker.sock (the event's \"falco\" key, or the endpoint attribute of collector events)." + NOTE_ABSENT);
  add(t, F_C_PRIVILEGED, "docker.container.privileged", FT_BOOL, "Container Privileged",
    "True if the container runs privileged." + ENRICH);
  add(t, F_C_CAP_ADD, "docker.container.cap_add", FT_STRING, "Container Added Capabilities",
    "Capabilities added to the container (--cap-add), e.g. SYS_ADMIN." + ENRICH, true);
  add(t, F_C_MOUNTS, "docker.container.mounts", FT_STRING, "Container Mounts",
    "Mounts of the container as source:destination:rw or source:destination:ro (rw unless the mount is read-only), e.g. /var/run/docker.sock:/var/run/docker.sock:rw." + ENRICH, true);
  add(t, F_C_MOUNT_SOURCE, "docker.container.mount.source", FT_STRING, "Container Mount Sources",
    "Host paths (or volume paths) mounted into the container, e.g. /var/run/docker.sock." + ENRICH, true);
  add(t, F_C_MOUNT_DESTINATION, "docker.container.mount.destination", FT_STRING, "Container Mount Destinations",
    "Paths inside the container where something is mounted." + ENRICH, true);
  add(t, F_C_MOUNT_MODE, "docker.container.mount.mode", FT_STRING, "Container Mount Modes",
    "Mode text of each mount as Docker reports it (e.g. empty, ro, z, rw,Z)." + ENRICH, true);
  add(t, F_C_MOUNT_TYPE, "docker.container.mount.type", FT_STRING, "Container Mount Types",
    "Type of each mount: bind, volume, tmpfs, npipe." + ENRICH, true);
  add(t, F_C_NETWORK_MODE, "docker.container.network_mode", FT_STRING, "Container Network Mode",
    "Network mode of the container, e.g. host, bridge, none, container:<id>." + ENRICH);
  add(t, F_C_PID_MODE, "docker.container.pid_mode", FT_STRING, "Container PID Mode",
    "PID namespace mode of the container, e.g. host, or empty for its own namespace." + ENRICH);
  add(t, F_C_IPC_MODE, "docker.container.ipc_mode", FT_STRING, "Container IPC Mode",
    "IPC namespace mode of the container, e.g. host, private, shareable." + ENRICH);
  add(t, F_C_USER, "docker.container.user", FT_STRING, "Container User",
    "User the container's process runs as (--user), empty for the image default." + ENRICH);
  add(t, F_C_IMAGE_ID, "docker.container.image_id", FT_STRING, "Container Image ID",
    "ID of the image the container runs (sha256:...)." + ENRICH);
  add(t, F_C_READONLY_ROOTFS, "docker.container.readonly_rootfs", FT_BOOL, "Container Read-Only Root",
    "True if the container's root filesystem is read-only." + ENRICH);
  add(t, F_EXEC_TTY, "docker.exec.tty", FT_BOOL, "Exec TTY",
    "True if the exec has a terminal (docker exec -t)." + ENRICH_EXEC);
  add(t, F_EXEC_USER, "docker.exec.user", FT_STRING, "Exec User",
    "User the exec runs as (docker exec -u), empty for the container's user." + ENRICH_EXEC);
  add(t, F_EXEC_PRIVILEGED, "docker.exec.privileged", FT_BOOL, "Exec Privileged",
    "True if the exec runs privileged (docker exec --privileged)." + ENRICH_EXEC);
  add(t, F_COLLECTOR_GAP, "docker.collector.gap", FT_RELTIME, "Collector Gap",
    "On collector reconnect events, the time between losing the daemon stream (or, after a collector restart, the previous collector's last sign of life) and the stream established again; on a resume gap's drop event, the length of the window ending at the event in which events may have been lost; in ns (attribute gapNs)." + NOTE_ABSENT);
  add(t, F_COLLECTOR_DROPPED, "docker.collector.dropped", FT_UINT64, "Collector Dropped",
    "On collector drop events, the number of Docker events lost since the previous drop event, for its reason (attribute dropped). No value on a resume gap (reason \"gap: ...\"): the daemon no longer held the last event delivered and Docker gives no way to count what was lost; its attributes fromNs and toNs bound the window." + NOTE_ABSENT);
  add(t, F_COLLECTOR_REASON, "docker.collector.reason", FT_STRING, "Collector Reason",
    "On collector disconnect and drop events, why; on a reconnect after a collector restart, that it restarted (attribute reason)." + NOTE_ABSENT);
  add(t, F_EXEC_EXE, "docker.exec.exe", FT_STRING, "Exec Program",
    "Program of an exec_create or exec_start event: the first word of the command line (after any leading spaces) without its directory, e.g. sh for \"/bin/sh -c true\", busybox for \"busybox sh -c id\". Docker joins the exec's arguments with spaces, so a program path holding a space is cut at it. No value for other events or an empty command line.");
  add(t, F_EXEC_ARGS, "docker.exec.args", FT_STRING, "Exec Arguments",
    "Arguments of an exec_create or exec_start event: the command line after its first word and the space that follows it (Docker joins the arguments with single spaces), e.g. \"-c true\" for \"/bin/sh -c true\"; empty when the program has no argument. No value when docker.exec.exe has none.");
  add(t, F_EXEC_HEALTHCHECK, "docker.exec.healthcheck", FT_BOOL, "Exec Is Healthcheck",
    "True when this exec is the container's own HEALTHCHECK (the collector matched the exec command line with the container's configured healthcheck); false for other execs; no value when the collector could not tell.");
  add(t, F_EVENT_TRUNCATED, "docker.event.truncated", FT_BOOL, "Event Truncated",
    "True when the event was over the size limits and the collector shrank it rather than drop it: the longest strings (labels, the exec command line) cut, attributes past the first 1,024 removed (the event's \"falco\" key, \"truncated\", says what was cut); type, action, actor, time and the security context are kept. False otherwise.");
  add(t, F_EVENT_ORIGINAL_SIZE, "docker.event.original_size", FT_UINT64, "Event Original Size",
    "Size in bytes of a truncated event as the daemon sent it (see docker.event.truncated). No value when the event was not truncated.");
  add(t, F_COLLECTOR_DROPPED_AT_LEAST, "docker.collector.dropped_at_least", FT_UINT64, "Collector Dropped At Least",
    "On collector drop events whose count cannot be known, a lower bound of the Docker events lost (attribute droppedAtLeast): a resume gap where the daemon's 256 buffered events were all newer than the last event delivered. The window is [evt.time - docker.collector.gap, evt.time]." + NOTE_ABSENT);
  add(t, F_ENGINE, "docker.engine", FT_STRING, "Engine",
    "Engine that sent the event: docker, or podman for Podman's Docker-compatible API (podman system service), as the collector tells from the daemon's version answer (the event's \"falco\" key). On podman the normalized fields (docker.action.name, docker.container.id, docker.network.name, docker.volume.name, docker.exitcode, docker.health.status, docker.exec.cmdline...) answer in Docker's terms; the compatibility fields (docker.action, docker.status, docker.attributes.*) keep the raw event." + NOTE_ABSENT);
  assert(t.length == NFIELDS, "field table size");
  return t;
}

let stringFields: StaticArray<bool> | null = null;

/** True when field id (valid) is declared with type string (its results are {ptr, len} entries). */
export function isStringField(id: i32): bool {
  let k = stringFields;
  if (k === null) {
    const t = build();
    k = new StaticArray<bool>(NFIELDS);
    for (let i = 0; i < NFIELDS; i++) k[i] = t[i].type == FT_STRING;
    stringFields = k;
  }
  return k[id];
}

/** The field table as Falco get_fields JSON (built once per instance by the caller). */
export function fieldsJson(): string {
  return JSON.stringify<Array<Field>>(build());
}
