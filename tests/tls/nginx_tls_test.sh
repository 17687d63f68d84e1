#!/usr/bin/env bash
# The TLS client against a real nginx (Debian's, as a child process on 127.0.0.1) with a
# certificate made here: verified with the CA file, refused without it (exit 3, the verify
# reason), accepted with --insecure; a client certificate that nginx requires; resumption
# counted, and loadgen's resumed count equal to nginx's own $ssl_session_reused log.
#   tests/tls/nginx_tls_test.sh LOADGEN_BINARY
set -euo pipefail
lg=$1
dir=$(mktemp -d /tmp/lg-tls-XXXXXX)
port=$((20000 + RANDOM % 20000))
nginx_pid=""
cleanup() {
  [[ -n $nginx_pid ]] && kill "$nginx_pid" 2>/dev/null && wait "$nginx_pid" 2>/dev/null || true
  rm -rf "$dir"
}
trap cleanup EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }

cert() {  # NAME: a self-signed P-256 certificate for localhost and 127.0.0.1
  openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 2 \
    -keyout "$dir/$1.key" -out "$dir/$1.pem" -subj "/CN=$1" \
    -addext "subjectAltName=DNS:localhost,IP:127.0.0.1" 2>/dev/null
}
cert server
cert client
cert other
mkdir -p "$dir/www" "$dir/tmp"
echo ok >"$dir/www/index.html"
cat >"$dir/nginx.conf" <<CONF
worker_processes 1;
user root root;
pid $dir/nginx.pid;
error_log $dir/error.log warn;
events { worker_connections 4096; }
http {
  log_format tls '\$server_port \$ssl_session_reused \$ssl_client_verify \$status';
  access_log $dir/access.log tls;
  client_body_temp_path $dir/tmp; proxy_temp_path $dir/tmp; fastcgi_temp_path $dir/tmp;
  uwsgi_temp_path $dir/tmp; scgi_temp_path $dir/tmp;
  ssl_certificate $dir/server.pem;
  ssl_certificate_key $dir/server.key;
  server { listen 127.0.0.1:$port ssl; root $dir/www; }
  server {
    listen 127.0.0.1:$((port + 1)) ssl; root $dir/www;
    ssl_client_certificate $dir/client.pem;
    ssl_verify_client on;
  }
}
CONF
nginx -p "$dir" -c "$dir/nginx.conf" -g 'daemon off;' &
nginx_pid=$!
listening() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
for _ in $(seq 100); do
  listening "$port" && listening $((port + 1)) && break
  sleep 0.1  # waiting for a child daemon to listen, bounded: 10 s
done
listening "$port" || { cat "$dir/error.log" >&2; fail "nginx did not listen on $port"; }
: >"$dir/access.log"

n=0
run() {  # EXPECTED_EXIT ARGS...: runs loadgen into $dir/rN, checks the exit code
  local want=$1; shift
  n=$((n + 1)); out="$dir/r$n"
  set +e
  "$lg" "$@" --out "$out" --quiet >"$out.log" 2>&1
  local got=$?
  set -e
  [[ $got == "$want" ]] || { cat "$out.log" >&2; fail "loadgen $* exited $got, not $want"; }
}
field() {  # EXPR on result.json (python), e.g. "s['completed']"
  python3 -c "import json,sys; r=json.load(open('$out/result.json')); s=r['summary']; print($1)"
}
url="https://127.0.0.1:$port/"

run 0 "$url" --rate 100/s -d 1s --ca-file "$dir/server.pem"
[[ $(field "s['completed']") == 100 ]] || fail "verified: $(field "s['completed']") of 100 completed"
[[ $(field "s['handshakes'] >= 1 and s['handshake_ms']['count'] == s['handshakes']") == True ]] ||
  fail "handshakes not recorded"

run 3 "$url" --rate 100/s -d 1s
[[ $(field "s['errors']['tls']") == 100 ]] || fail "without the CA: tls errors $(field "s['errors']")"
[[ $(field "r['tls_failure']") == "certificate verify failed: self-signed certificate" ]] ||
  fail "reason: $(field "r['tls_failure']")"
grep -q "tls 100" "$out.log" || fail "the tls kind is not printed"

run 3 "$url" --rate 50/s -d 1s --ca-file "$dir/other.pem"
[[ $(field "r['tls_failure']") == certificate\ verify\ failed:* ]] || fail "other CA accepted"

# (127.0.0.1, not localhost: a fresh machine may have no /etc/hosts entry for it)
run 3 "$url" --rate 50/s -d 1s --ca-file "$dir/server.pem" --tls-server-name wrong.example
[[ $(field "r['tls_failure']") == *"hostname mismatch"* ]] || fail "name: $(field "r['tls_failure']")"

run 0 "$url" --rate 100/s -d 1s --insecure
[[ $(field "s['completed']") == 100 ]] || fail "--insecure: not all completed"

mtls="https://127.0.0.1:$((port + 1))/"
run 3 "$mtls" --rate 50/s -d 1s --ca-file "$dir/server.pem"  # nginx: 400 without a cert
[[ $(field "s['errors']['http_4xx']") == 50 ]] || fail "no client cert: $(field "s['errors']")"
run 0 "$mtls" --rate 50/s -d 1s --ca-file "$dir/server.pem" --cert "$dir/client.pem" \
  --key "$dir/client.key"
[[ $(field "s['completed']") == 50 ]] || fail "client cert: not all completed"
[[ $(grep -c "^$((port + 1)) . SUCCESS 200" "$dir/access.log") == 50 ]] || fail "nginx saw no verified client"

run 2 "$mtls" --rate 50/s -d 1s --cert "$dir/client.pem" --key "$dir/other.key"
grep -q "does not match" "$out.log" || fail "a mismatched key is not named"
run 2 "$mtls" --rate 50/s -d 1s --ca-file "$dir/missing.pem"
grep -q "missing.pem: cannot be read: No such file" "$out.log" || fail "a missing file is not named"
run 2 "http://127.0.0.1:$port/" --rate 50/s -d 1s --insecure
grep -q "tls.insecure is set, but the target" "$out.log" || fail "TLS option on http:// accepted"

for resume in on off; do
  : >"$dir/access.log"
  extra=(); [[ $resume == off ]] && extra=(--no-tls-resume)
  run 0 "$url" --rate 200/s -d 1s --ca-file "$dir/server.pem" --no-keepalive "${extra[@]}"
  hs=$(field "s['handshakes']"); resumed=$(field "s['resumed']")
  logged=$(grep -c "^$port r " "$dir/access.log" || true)
  echo "resume $resume: handshakes $hs, resumed $resumed, nginx reused $logged"
  [[ $hs == 200 ]] || fail "no-keepalive: $hs handshakes for 200 requests"
  [[ $resumed == "$logged" ]] || fail "resumed $resumed but nginx logged $logged"
  if [[ $resume == on ]]; then (( resumed >= 190 )) || fail "resumption on: only $resumed"; fi
  if [[ $resume == off ]]; then [[ $resumed == 0 ]] || fail "resumption off: $resumed"; fi
done
echo "nginx TLS: all checks passed"
