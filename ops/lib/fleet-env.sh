# shellcheck shell=bash
# The settings a local fleet's processes get beyond common.sh's, derived from its state folder:
# the URLs of every node of a RabbitMQ cluster (AIRFLEET_AMQP_URL), the management API of a
# local broker (AIRFLEET_RABBITMQ_API), the database URLs of the contexts on a second
# PostgreSQL server, and AIRFLEET_WEBHOOK_ALLOW_PRIVATE=true (its endpoints are local). ops/up starts the fleet with them and writes them to
# STATE/env.sh for a shell; ops/chaos and ops/bench take them from here too.
# Source common.sh, rabbitmq-cluster.sh and postgres-servers.sh first.
#
# fleet_env_lines STATE   fleet_env_apply STATE   fleet_env_write STATE

# NAME=VALUE lines, for the servers ops/up runs here (a list or a remote URL is left as it is).
fleet_env_lines() {
    local state=$1
    local auth
    if is_managed rabbitmq "$AIRFLEET_AMQP_URL"; then
        (($(rabbitmq_cluster_size "$state") == 1)) ||
            printf 'AIRFLEET_AMQP_URL=%s\n' "$(rabbitmq_cluster_url "$AIRFLEET_AMQP_URL" "$state")"
        # The management API of node 1, with the broker's user, for the unacknowledged counts.
        auth=$(_url_authority "$AIRFLEET_AMQP_URL")
        [[ $auth == *@* ]] && auth="${auth%@*}@" || auth=''
        [[ -n ${AIRFLEET_RABBITMQ_API:-} ]] ||
            printf 'AIRFLEET_RABBITMQ_API=http://%s127.0.0.1:%s\n' "$auth" "$(($(url_port "$AIRFLEET_AMQP_URL") + 10000))"
    fi
    if is_managed postgres "$AIRFLEET_DATABASE_URL"; then
        postgres_servers_urls "$AIRFLEET_DATABASE_URL" "$state"
    fi
    # A local fleet's gateways and webhook receivers live on this machine, at loopback
    # addresses that deliveries refuse elsewhere.
    [[ -n ${AIRFLEET_WEBHOOK_ALLOW_PRIVATE:-} ]] || printf 'AIRFLEET_WEBHOOK_ALLOW_PRIVATE=true\n'
}

# Exports them into this shell, so that what it starts gets them.
fleet_env_apply() {
    local line lines
    lines=$(fleet_env_lines "$1") || return
    while IFS= read -r line; do
        [[ -n $line ]] || continue
        export "${line?}"
    done <<<"$lines"
}

# STATE/env.sh: every AIRFLEET_* setting this shell has, as exports, for `airfleet` by hand.
fleet_env_write() {
    local state=$1 name
    {
        printf '# Written by ops/up: the settings of the fleet in this folder. Before running airfleet\n'
        printf '# by hand: source %s/env.sh\n' "$state"
        for name in $(compgen -e | grep -E '^AIRFLEET_' | grep -vE '^AIRFLEET_(JWT_SECRET|ADMIN_PASSWORD|WEBHOOK_SECRET_KEY)$' | sort); do
            printf 'export %s=%q\n' "$name" "${!name}"
        done
    } >"$state/env.sh"
}
