#!/usr/bin/env bash
# Make a throwaway CA and one NATS server certificate for development and Compose.
#
#   deploy/nats/tls/gen-dev-certs.sh [OUTDIR]     (default: deploy/nats/tls/dev)
#
# Writes ca.crt, ca.key, server.crt, server.key. The server certificate is valid for
# serverAuth and clientAuth (cluster routes use it both ways) and names every host
# the Compose and Kubernetes manifests use. Not for production: use your PKI or
# cert-manager there (see deploy/README.md). Needs openssl; never overwrites.
set -euo pipefail

out="${1:-$(cd "$(dirname "$0")" && pwd)/dev}"
namespace="${NAMESPACE:-weerbaar}"
days="${DAYS:-825}"

if [[ -e "$out/server.crt" ]]; then
  echo "gen-dev-certs: $out/server.crt exists; remove $out to make new ones" >&2
  exit 0
fi
mkdir -p "$out"
umask 077

sans="DNS:localhost,IP:127.0.0.1"
sans+=",DNS:nats,DNS:nats-client"
sans+=",DNS:nats.${namespace}.svc,DNS:nats-client.${namespace}.svc"
sans+=",DNS:nats.${namespace}.svc.cluster.local,DNS:nats-client.${namespace}.svc.cluster.local"
for i in 0 1 2; do
  sans+=",DNS:nats-${i},DNS:nats-${i}.nats"
  sans+=",DNS:nats-${i}.nats.${namespace}.svc,DNS:nats-${i}.nats.${namespace}.svc.cluster.local"
done

openssl req -x509 -new -nodes -newkey ec -pkeyopt ec_paramgen_curve:P-256 \
  -keyout "$out/ca.key" -out "$out/ca.crt" -days "$days" \
  -subj "/O=Weerbaar development/CN=Weerbaar dev NATS CA" \
  -addext "basicConstraints=critical,CA:TRUE" \
  -addext "keyUsage=critical,keyCertSign,cRLSign" 2>/dev/null

openssl req -new -nodes -newkey ec -pkeyopt ec_paramgen_curve:P-256 \
  -keyout "$out/server.key" -out "$out/server.csr" \
  -subj "/O=Weerbaar development/CN=nats" 2>/dev/null

ext="$(mktemp)"
trap 'rm -f "$ext" "$out/server.csr" "$out/ca.srl"' EXIT
cat > "$ext" <<EXT
basicConstraints=critical,CA:FALSE
keyUsage=critical,digitalSignature,keyEncipherment
extendedKeyUsage=serverAuth,clientAuth
subjectAltName=${sans}
EXT
openssl x509 -req -in "$out/server.csr" -CA "$out/ca.crt" -CAkey "$out/ca.key" \
  -CAcreateserial -out "$out/server.crt" -days "$days" -extfile "$ext" 2>/dev/null

# The service containers run as an unprivileged user and read only ca.crt; the
# nats-server container runs as root and reads the key.
chmod 755 "$out"
chmod 644 "$out/ca.crt" "$out/server.crt"
chmod 600 "$out/ca.key" "$out/server.key"
echo "gen-dev-certs: wrote $out/{ca.crt,ca.key,server.crt,server.key}"
