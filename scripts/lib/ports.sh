# shellcheck shell=bash
# Listening ports for the servers the scripts start on loopback.
#
# Ports are drawn below the kernel's ephemeral range (ip_local_port_range, 32768-60999 by
# default): a port inside it can be the local end of any outgoing connection at the moment
# a server binds it, which made etcd fail with "address already in use" in CI.

# ephemeral_low: the first port the kernel hands out for outgoing connections.
ephemeral_low() {
  local low _
  if read -r low _ </proc/sys/net/ipv4/ip_local_port_range 2>/dev/null && ((low > 12000)); then
    printf '%d\n' "${low}"
  else
    printf '%d\n' 32768
  fi
}

# random_listen_port: a random port in [10000, ephemeral_low) that nothing on 127.0.0.1
# listens on now. Another process may still take it first; callers retry on a bind failure.
random_listen_port() {
  local low port
  low="$(ephemeral_low)"
  for _ in $(seq 200); do
    port=$((10000 + (RANDOM * 32768 + RANDOM) % (low - 10000)))
    if ! (exec 3<>"/dev/tcp/127.0.0.1/${port}") 2>/dev/null; then
      printf '%d\n' "${port}"
      return 0
    fi
  done
  return 1
}
