#!/bin/sh
# Regenerates pcaps/albatross-wv0-client-tls.pcapng: the WV0 client
# conversation of pcaps/albatross-wv0-client-tcp.pcap sent again, chunk for
# chunk, through real TLS 1.3 (Python's ssl module, i.e. OpenSSL) on
# loopback TCP port 1025, captured with dumpcap, and the session secrets
# embedded in the capture (editcap --inject-secrets), so Wireshark decrypts
# it without a key file.
#
#   scripts/make-tls-pcap.sh [OUT]     (default: pcaps/albatross-wv0-client-tls.pcapng)
#
# Needs root (dumpcap on lo), python3, openssl, dumpcap, editcap and tshark.
# The TLS keys, the certificate and the capture times differ on every run;
# the decrypted bytes are the same.
set -eu
root=$(cd "$(dirname "$0")/.." && pwd)
out=${1:-$root/pcaps/albatross-wv0-client-tls.pcapng}
plain=$root/pcaps/albatross-wv0-client-tcp.pcap

for tool in python3 openssl dumpcap editcap tshark; do
    command -v "$tool" >/dev/null || { echo "make-tls-pcap: $tool not found" >&2; exit 1; }
done
[ -f "$plain" ] || { echo "make-tls-pcap: $plain not found" >&2; exit 1; }

work=$(mktemp -d /tmp/alb-tls.XXXXXX)
trap 'kill "$cap" 2>/dev/null || true; rm -rf "$work"' EXIT
cap=

# The conversation as tshark reassembles it: "C hex" from the client, "S
# hex" from the server, in order, one line per TCP segment's payload.
tshark -r "$plain" -q -z follow,tcp,raw,0 2>/dev/null |
    awk '/^Node 1:/ { body = 1; next }
         body && /^=+$/ { exit }
         body && /^\t/ { sub(/^\t/, ""); print "S " $0; next }
         body && /^[0-9a-f]+$/ { print "C " $0 }' > "$work/chunks"
[ -s "$work/chunks" ] || { echo "make-tls-pcap: no payload in $plain" >&2; exit 1; }

openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 3650 \
    -subj /CN=vmmd.albatross.example -keyout "$work/key.pem" -out "$work/cert.pem" 2>/dev/null

dumpcap -q -i lo -f 'tcp port 1025' -w "$work/raw.pcapng" 2>"$work/dumpcap.log" &
cap=$!
i=0
while ! grep -q Capturing "$work/dumpcap.log" 2>/dev/null; do
    i=$((i + 1))
    [ $i -lt 50 ] || { echo "make-tls-pcap: dumpcap did not start:" >&2; cat "$work/dumpcap.log" >&2; exit 1; }
    sleep 0.1
done
sleep 0.5

python3 - "$work" <<'EOF'
import socket, ssl, sys, threading
work = sys.argv[1]
chunks = [(l[0], bytes.fromhex(l[2:].strip())) for l in open(work + "/chunks")]

sctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
sctx.minimum_version = ssl.TLSVersion.TLSv1_3
sctx.load_cert_chain(work + "/cert.pem", work + "/key.pem")
cctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
cctx.minimum_version = ssl.TLSVersion.TLSv1_3
cctx.load_verify_locations(work + "/cert.pem")
cctx.keylog_filename = work + "/keys"

lst = socket.socket()
lst.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
lst.bind(("127.0.0.1", 1025))
lst.listen(1)
server = {}
def accept():
    s, _ = lst.accept()
    server["s"] = sctx.wrap_socket(s, server_side=True)
t = threading.Thread(target=accept)
t.start()
raw = socket.socket()
raw.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
raw.bind(("127.0.0.1", 40000))
raw.connect(("127.0.0.1", 1025))
client = cctx.wrap_socket(raw, server_hostname="vmmd.albatross.example")
t.join()

def recv_exactly(s, n):
    got = b""
    while len(got) < n:
        b = s.recv(n - len(got))
        if not b:
            sys.exit("make-tls-pcap: connection closed early")
        got += b
    return got

for who, data in chunks:
    src, dst = (client, server["s"]) if who == "C" else (server["s"], client)
    src.sendall(data)
    if recv_exactly(dst, len(data)) != data:
        sys.exit("make-tls-pcap: bytes changed in transit")
client.close()
server["s"].close()
lst.close()
EOF

sleep 0.5
kill "$cap"
wait "$cap" 2>/dev/null || true
cap=
editcap --inject-secrets "tls,$work/keys" "$work/raw.pcapng" "$work/secrets.pcapng"
# rewritten so the interface block comes before the secrets block: editcap
# (e.g. editcap -E in the dissector's fuzz test) cannot rewrite a file whose
# secrets come first
tshark -r "$work/secrets.pcapng" -F pcapng -w "$out" 2>/dev/null
echo "wrote $out ($(wc -c < "$out") bytes, $(tshark -r "$out" 2>/dev/null | wc -l) frames; $(wc -l < "$work/chunks") chunks relayed)"
