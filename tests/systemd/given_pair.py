#!/usr/bin/python3
"""tests/systemd/given_pair.py: a TCP connection spliced by bpfpind's pair
built-in through two sockets given to it, across restarts of the service.

Run inside the systemd box by check_given.sh (env CLI, BPFPIN_SOCKET, UNIT). Builds client -> proxy ->
backend on loopback, gives the proxy's two sockets to bpfpind as a pair
and closes them here, then for each step in argv (a shell command run
between round trips: a restart, a SIGKILL) checks that bytes still flow
both ways in the kernel. Prints one `ok`/`not ok` line per round trip."""
import os
import socket
import subprocess
import sys

CLI, SOCK, MAP = os.environ["CLI"], os.environ["BPFPIN_SOCKET"], "/given/pair"


def cli(*args, fds=()):
    r = subprocess.run([CLI, "-s", SOCK, *args], pass_fds=fds,
                       capture_output=True, text=True)
    if r.returncode:
        sys.exit("not ok - bpfpin %s: %s" % (" ".join(args), r.stderr.strip()))
    return r.stdout


def round_trip(client, backend, n):
    msg = b"ping %d" % n
    client.sendall(msg)
    got = backend.recv(len(msg))
    backend.sendall(got.upper())
    back = client.recv(len(msg))
    return got == msg and back == msg.upper()


def main():
    lp, lb = socket.create_server(("127.0.0.1", 0)), socket.create_server(("127.0.0.1", 0))
    client = socket.create_connection(lp.getsockname())
    front, _ = lp.accept()
    to_back = socket.create_connection(lb.getsockname())
    backend, _ = lb.accept()
    for s in (client, backend):
        s.settimeout(5)
    cli("mkdir", "-p", "/given")
    cli("sockmap", "create", MAP, "sockmap", "max", "16")
    cli("sockmap", "attach", MAP, "stream_verdict", "pair")
    cli("sock", "add", MAP, "give", "fd", str(front.fileno()),
        "peer-fd", str(to_back.fileno()), fds=(front.fileno(), to_back.fileno()))
    front.close()
    to_back.close()
    fails = 0
    for n, step in enumerate(["true"] + sys.argv[1:]):
        subprocess.run(step, shell=True, check=True)
        try:
            good = round_trip(client, backend, n)
        except OSError as e:
            good = False
            print("# %s: %s" % (step, e))
        print("%s - bytes flow through the given pair after: %s" % ("ok" if good else "not ok", step))
        fails += not good
        stored = fd_store()
        print("%s - the fd store holds the pair's 2 sockets (%s)" % ("ok" if stored == "2" else "not ok", stored))
        fails += stored != "2"
    client.close()
    backend.close()
    return 1 if fails else 0


def fd_store():
    return subprocess.run(["systemctl", "show", "-P", "NFileDescriptorStore", os.environ["UNIT"]],
                          capture_output=True, text=True).stdout.strip()


if __name__ == "__main__":
    sys.exit(main())
