#!/usr/bin/env python3
"""The kernel's share of a heartbeat: CPU of one small write over loopback TCP, with nothing else around it.

  python3 modules/bench/loopback-write-floor.py CONNECTIONS WRITES_PER_S SECONDS [BYTES]
  e.g. python3 modules/bench/loopback-write-floor.py 10000 10000 15 55    (ulimit -n 20000 first)

Opens CONNECTIONS loopback TCP connections (TCP_NODELAY, as Netty sets it) to a reader in a second process
(epoll, reads and drops), then sends BYTES (55: the size of a heartbeat chunk) to one connection after the other,
WRITES_PER_S / 50 of them every 20 ms (the lane's heartbeat tick), for SECONDS. Prints the writer's user and sys
CPU per write (utime/stime from os.times): sys is what the kernel costs the sending process for one write,
including the receiving side of loopback TCP, which runs in the sender's context. See docs/performance.md.
"""
import os
import selectors
import socket
import sys
import time

N = int(sys.argv[1])
RATE = int(sys.argv[2])
SECS = float(sys.argv[3])
B = int(sys.argv[4]) if len(sys.argv) > 4 else 55

srv = socket.socket()
srv.bind(("127.0.0.1", 0))
srv.listen(4096)
port = srv.getsockname()[1]
pid = os.fork()
if pid == 0:  # the reader
    sel = selectors.DefaultSelector()
    srv.setblocking(False)
    sel.register(srv, selectors.EVENT_READ)
    deadline = time.time() + SECS + 120
    while time.time() < deadline:
        for k, _ in sel.select(1.0):
            if k.fileobj is srv:
                c, _ = srv.accept()
                c.setblocking(False)
                sel.register(c, selectors.EVENT_READ)
                continue
            try:
                d = k.fileobj.recv(65536)
            except BlockingIOError:
                continue
            if not d:
                sel.unregister(k.fileobj)
                k.fileobj.close()
                if len(sel.get_map()) == 1:
                    os._exit(0)
    os._exit(0)

socks = []
for _ in range(N):
    s = socket.create_connection(("127.0.0.1", port))
    s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    socks.append(s)
time.sleep(1)
msg = b"x" * B
per_tick = max(1, RATE // 50)
t0 = time.time()
c0 = os.times()
n = 0
i = 0
nxt = t0
while time.time() - t0 < SECS:
    for _ in range(per_tick):
        socks[i].send(msg)
        i = (i + 1) % N
        n += 1
    nxt += 0.02
    d = nxt - time.time()
    if d > 0:
        time.sleep(d)
c1 = os.times()
wall = time.time() - t0
print(f"connections={N} writes={n} wall={wall:.1f}s rate={n / wall:.0f}/s bytes={B} "
      f"user_us_per_write={(c1.user - c0.user) * 1e6 / n:.2f} sys_us_per_write={(c1.system - c0.system) * 1e6 / n:.2f} "
      f"load={open('/proc/loadavg').read().split()[0]}")
for s in socks:
    s.close()
os.waitpid(pid, 0)
