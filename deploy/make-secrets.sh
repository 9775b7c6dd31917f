#!/usr/bin/env bash
# Make every secret a first deployment needs, with fresh random values.
#
#   deploy/make-secrets.sh compose    writes deploy/compose/.env and
#                                     deploy/compose/secrets/weerbaar-ops-token
#   deploy/make-secrets.sh k8s        writes deploy/k8s/secrets.env and
#                                     deploy/k8s/secrets/weerbaar-ops-token
#
# Never overwrites: an existing file is left alone (losing NATS_JS_KEY or a registry
# key loses the data it protects). Keep the files out of git (.gitignore does) and in
# your secret manager. Needs openssl and python3; the ops token is minted with
# `weerbaar-token` (uv run) from the AUTH_SIGNING_KEY made here. Certificates are not
# made here: use your PKI, or deploy/nats/tls/gen-dev-certs.sh to try things out.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
target="${1:-}"
case "$target" in
  compose) env_file="$here/compose/.env" ;;
  k8s) env_file="$here/k8s/secrets.env" ;;
  *) echo "usage: $0 compose|k8s" >&2; exit 2 ;;
esac
token_file="$here/$target/secrets/weerbaar-ops-token"
umask 077

hex() { openssl rand -hex "${1:-24}"; }

if [[ -e "$env_file" ]]; then
  echo "make-secrets: $env_file exists; left as it is" >&2
else
  postgres="$(hex)"
  {
    echo "# Made by deploy/make-secrets.sh on $(date -u +%Y-%m-%dT%H:%M:%SZ). Keep it secret."
    for v in NATS_JS_KEY NATS_INTAKE_PASSWORD NATS_ROUTING_PASSWORD NATS_NOTIFY_PASSWORD NATS_CONSOLE_PASSWORD \
             NATS_REGISTRY_PASSWORD NATS_PROVISION_PASSWORD NATS_OPS_PASSWORD NATS_SYS_PASSWORD; do
      echo "$v=$(hex)"
    done
    echo "POSTGRES_PASSWORD=$postgres"
    if [[ "$target" == k8s ]]; then
      echo "DATABASE_URL=postgresql://weerbaar:$postgres@postgres:5432/weerbaar"
    else
      echo "GRAFANA_ADMIN_PASSWORD=$(hex)"
      echo "AUTH_JWKS_URL="
      echo "AUTH_ISSUER=weerbaar"
      echo "AUTH_AUDIENCE=weerbaar"
      echo "# the console: fill in its public URL and your identity provider's client"
      echo "CONSOLE_PUBLIC_URL="
      echo "OIDC_ISSUER="
      echo "OIDC_CLIENT_ID="
      echo "OIDC_CLIENT_SECRET="
    fi
    kek="$(python3 -c 'import base64, os; print(base64.b64encode(os.urandom(32)).decode())')"
    echo "CASE_KEKS={\"kek1\": \"$kek\"}"
    echo "CASE_KEK_ID=kek1"
    echo "REGISTRY_STATS_KEY=$(hex 32)"
    echo "AUTH_SIGNING_KEY=$(hex 32)"
    echo "ACK_TOKEN_SECRET=$(hex 32)"
    echo "WEBHOOK_SECRET=$(hex 32)"
    echo "REGISTRATION_ID_KEY=$(hex 32)"
  } > "$env_file"
  echo "make-secrets: wrote $env_file"
fi

if [[ -e "$token_file" ]]; then
  echo "make-secrets: $token_file exists; left as it is" >&2
else
  mkdir -p "$(dirname "$token_file")"
  signing_key="$(sed -n 's/^AUTH_SIGNING_KEY=//p' "$env_file")"
  issuer="$(sed -n 's/^AUTH_ISSUER=//p' "$env_file")"
  AUTH_SIGNING_KEY="$signing_key" AUTH_ISSUER="${issuer:-weerbaar}" \
    uv run --project "$here/.." --frozen weerbaar-token --role ops --subject prometheus \
    --days 365 > "$token_file"
  echo "make-secrets: wrote $token_file (an ops token for Prometheus, valid 365 days)"
fi
