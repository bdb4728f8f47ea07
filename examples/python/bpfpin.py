#!/usr/bin/env python3
"""A bpfpind client in plain Python 3.11, written from doc/protocol.md alone.

One JSON object per SOCK_SEQPACKET message, fds as SCM_RIGHTS beside it.
Run `bpfpin.py --help`; `demo PATH` creates a BPF array map (ctypes and the
bpf syscall), pins it, gets it back read-only and checks it is the same map;
`load PATH --object OBJ.o` has the daemon load an ELF object file (sent as an
fd) and pin its programs under PATH, printing the verifier log if it fails.
"""
import argparse, ctypes, errno, json, os, platform, socket, sys

DEFAULT_SOCKET = "/run/bpfpin/bpfpind.sock"
MAX_MSG, MAX_FDS = 65536, 253


class BpfpinError(OSError):
    """An error reply: .errno, .strerror is "NAME: the daemon's message";
    .error is the error object, .log the text of a memfd a failed load
    sent with it (its whole verifier log), else None."""
    error, log = None, None


def read_fd(fd):
    """All of a memfd, from its start."""
    chunks, off = [], 0
    while chunk := os.pread(fd, 65536, off):
        chunks.append(chunk)
        off += len(chunk)
    return b"".join(chunks).decode(errors="replace")


def process_umask():
    """The umask, read without changing it (a umask() round trip races)."""
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("Umask:"):
                return int(line.split()[1], 8)
    old = os.umask(0o022)
    os.umask(old)
    return old


class Client:
    def __init__(self, path=None):
        path = path or os.environ.get("BPFPIN_SOCKET") or DEFAULT_SOCKET
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        self.sock.connect(path)
        self.next_id = 1
        self.server = self.request("hello")
        if self.server.get("version") != 1:
            raise OSError(errno.EPROTONOSUPPORT, "daemon speaks another version")

    def call(self, op, fds=(), **params):
        """One round trip; returns (result, fds received), the fds now ours."""
        rid, self.next_id = self.next_id, self.next_id + 1
        msg = json.dumps({"v": 1, "id": rid, "op": op, **params},
                         separators=(",", ":")).encode()
        socket.send_fds(self.sock, [msg], list(fds))
        data, got, flags, _ = socket.recv_fds(self.sock, MAX_MSG + 1, MAX_FDS,
                                              socket.MSG_CMSG_CLOEXEC)
        try:
            if not data:
                raise ConnectionResetError("the daemon closed the connection")
            if flags & (socket.MSG_TRUNC | socket.MSG_CTRUNC):
                raise OSError(errno.EMSGSIZE, "reply truncated")
            reply = json.loads(data)
            # id 0: an error about a request the daemon could not parse.
            if reply.get("v") != 1 or reply.get("id") not in (rid, 0):
                raise OSError(errno.EPROTO, f"reply does not answer request {rid}")
            if "error" in reply:
                e = reply["error"]
                err = BpfpinError(e["errno"], f'{e["name"]}: {e["message"]}')
                err.error = e
                index = e.get("log", {}).get("fd")
                if isinstance(index, int) and 0 <= index < len(got):
                    err.log = read_fd(got[index])
                raise err
            return reply["result"], got
        except BaseException:
            for fd in got:
                os.close(fd)
            raise

    def request(self, op, **params):
        """A round trip that hands back no fd."""
        result, fds = self.call(op, **params)
        for fd in fds:
            os.close(fd)
        return result

    def pin(self, fd, path, umask=None):
        umask = process_umask() if umask is None else umask
        return self.request("pin", fds=[fd], path=path, fd=0, umask=umask)["stat"]

    def get(self, path, access="rdwr"):
        """(fd, stat): the fd is opened by the kernel with that access."""
        result, fds = self.call("get", path=path, access=access, stat=True)
        index = result.get("fd")
        for i, fd in enumerate(fds):
            if i != index:
                os.close(fd)
        if not isinstance(index, int) or not 0 <= index < len(fds):
            raise OSError(errno.EPROTO, "the reply names no fd that came with it")
        return fds[index], result["stat"]

    def load(self, obj, path, pinmaps=None, maps=(), log_level=0, prog_type=None):
        """Load the ELF object file obj in the daemon, its programs pinned
        under path (and its maps under pinmaps); maps: (name, pinned path)
        pairs to reuse. Returns (result, log text or None)."""
        params = {"path": path, "fd": 0, "file": os.path.basename(obj),
                  "umask": process_umask()}
        if pinmaps:
            params["pinmaps"] = pinmaps
        if maps:
            params["maps"] = [{"name": n, "path": p} for n, p in maps]
        if log_level:
            params["log_level"] = log_level
        if prog_type:
            params["type"] = prog_type
        fd = os.open(obj, os.O_RDONLY | os.O_CLOEXEC)
        try:
            result, fds = self.call("load", fds=[fd], **params)
        finally:
            os.close(fd)
        log = read_fd(fds[0]) if fds else None
        for f in fds:
            os.close(f)
        return result, log
    def attach(self, prog, path, target, fd=None, umask=None, **params):
        """Attach the program pinned at prog as a BPF link pinned at path.
        target: "cgroup" (fd: the cgroup directory, os.open O_DIRECTORY),
        "netns" (fd: /proc/self/ns/net), "xdp"/"tcx" (dev=), "sockmap"
        (map=), "tracing"; attach_type= as bpftool names it; replace=True
        swaps the program of the link at path (doc/protocol.md)."""
        umask = process_umask() if umask is None else umask
        fds = () if fd is None else (fd,)
        if fd is not None:
            params["fd"] = 0
        return self.request("attach", fds=fds, prog=prog, path=path,
                            target=target, umask=umask, **params)["stat"]

    def detach(self, path):
        return self.request("detach", path=path)["stat"]

    def stat(self, path, follow=True):
        return self.request("stat", path=path, follow=follow)["stat"]

    def ls(self, path):
        """Every entry of a directory, page after page."""
        cursor = 0
        while True:
            page = self.request("list", path=path, cursor=cursor)
            yield from page["entries"]
            cursor = page["cursor"]
            if cursor == 0:
                return


# The bpf(2) syscall through ctypes, just enough for the demo.
NR_BPF = {"x86_64": 321, "aarch64": 280}[platform.machine()]
BPF_MAP_CREATE, BPF_MAP_UPDATE_ELEM, BPF_OBJ_GET_INFO_BY_FD = 0, 2, 15
BPF_MAP_TYPE_ARRAY = 2
u32, u64 = ctypes.c_uint32, ctypes.c_uint64
libc = ctypes.CDLL(None, use_errno=True)


class MapCreate(ctypes.Structure):
    _fields_ = [("map_type", u32), ("key_size", u32), ("value_size", u32),
                ("max_entries", u32), ("map_flags", u32), ("inner_map_fd", u32),
                ("numa_node", u32), ("map_name", ctypes.c_char * 16)]


class Update(ctypes.Structure):
    _fields_ = [("map_fd", u32), ("key", u64), ("value", u64), ("flags", u64)]


class InfoByFd(ctypes.Structure):
    _fields_ = [("bpf_fd", u32), ("info_len", u32), ("info", u64)]


class MapInfo(ctypes.Structure):  # the head of struct bpf_map_info: enough
    _fields_ = [("type", u32), ("id", u32)]


def bpf(cmd, attr):
    r = libc.syscall(NR_BPF, cmd, ctypes.byref(attr), ctypes.sizeof(attr))
    if r < 0:
        e = ctypes.get_errno()
        raise OSError(e, os.strerror(e))
    return r


def map_id(fd):
    info = MapInfo()
    bpf(BPF_OBJ_GET_INFO_BY_FD, InfoByFd(fd, ctypes.sizeof(info),
                                         ctypes.addressof(info)))
    return info.id


def map_write(fd, key, value):
    k, v = u32(key), u64(value)
    bpf(BPF_MAP_UPDATE_ELEM, Update(fd, ctypes.addressof(k), ctypes.addressof(v), 0))


def demo(client, path):
    """Pin a new array map at path, get it back read-only, compare."""
    fd = bpf(BPF_MAP_CREATE, MapCreate(BPF_MAP_TYPE_ARRAY, 4, 8, 1, 0, 0, 0, b"demo"))
    try:
        st = client.pin(fd, path)
        ro, _ = client.get(path, "rdonly")
        try:
            ids = (map_id(fd), st["object"]["id"], map_id(ro))
            try:
                map_write(ro, 0, 1)
                raise SystemExit("a read-only fd accepted a write")
            except PermissionError:
                pass
        finally:
            os.close(ro)
    finally:
        os.close(fd)
    if len(set(ids)) != 1:
        raise SystemExit(f"ids differ: created {ids[0]}, pinned {ids[1]}, got {ids[2]}")
    print(f"{path}: map id {ids[0]} pinned, got back read-only, write refused")


def main():
    ap = argparse.ArgumentParser(description="Talk to bpfpind.")
    ap.add_argument("--socket", help="default: $BPFPIN_SOCKET, else " + DEFAULT_SOCKET)
    ap.add_argument("cmd", choices=["get", "stat", "ls", "rm", "demo", "load"])
    ap.add_argument("path")
    ap.add_argument("--access", default="rdonly", choices=["rdonly", "wronly", "rdwr"])
    ap.add_argument("--object", help="load: the ELF object file")
    ap.add_argument("--pinmaps", help="load: pin the maps under this directory")
    args = ap.parse_args()
    try:
        client = Client(args.socket)
        if args.cmd == "get":
            fd, st = client.get(args.path, args.access)
            os.close(fd)
            print(json.dumps(st, indent=2))
        elif args.cmd == "stat":
            print(json.dumps(client.stat(args.path), indent=2))
        elif args.cmd == "ls":
            for e in client.ls(args.path):
                print(f'{e["stat"]["mode"]:o} {e["stat"]["type"]:8} {e["name"]}')
        elif args.cmd == "rm":
            client.request("unlink", path=args.path)
        elif args.cmd == "load":
            result, _ = client.load(args.object, args.path, args.pinmaps)
            for p in result["programs"]:
                print(f'{p["path"]}: prog {p["id"]} {p["type"]}')
        else:
            demo(client, args.path)
    except OSError as e:
        if getattr(e, "log", None):
            sys.stderr.write(e.log)
        sys.exit(f"bpfpin.py: {args.cmd} {args.path}: {e.strerror or e}")


if __name__ == "__main__":
    main()
