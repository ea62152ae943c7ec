#!/usr/bin/env bash
# Installs and starts what the publish tests (tests/Flows.Build.Tests) need, offline:
#   - two OCI registries (Debian docker-registry, CNCF distribution 2.8) on loopback:
#       localhost:5000  plain http, no auth
#       localhost:5001  htpasswd user AWS (Basic challenge, as ECR's registry answers); password in
#                       $FLOWS_CI_DIR/registry/aws-password (the tests read it from there)
#   - .NET base images built from this machine's .NET runtime (no mcr.microsoft.com here), pushed to both:
#       localhost:500{0,1}/dotnet/runtime-deps:10.0, localhost:500{0,1}/dotnet/runtime:10.0, and
#       localhost:500{0,1}/dotnet/runtime-deps:10.0-chiseled (no ICU, time zones or shell: for AOT + InvariantGlobalization)
# Idempotent: running registries are left alone; base images are rebuilt only when missing. Runs as root on a
# fresh Debian 12 with only the Debian mirror reachable. State lives in $FLOWS_CI_DIR (default /var/tmp/flows-ci).
# Adapted from ../shared/lab/lab.sh (kept here because CI runs on a clean clone without ../shared).
set -euo pipefail

CI_DIR="${FLOWS_CI_DIR:-/var/tmp/flows-ci}"
R="$CI_DIR/registry"
RUN="$CI_DIR/run"
mkdir -p "$R" "$RUN"

need=()
command -v docker-registry >/dev/null || need+=(docker-registry)
command -v htpasswd >/dev/null || need+=(apache2-utils)
command -v skopeo >/dev/null || need+=(skopeo)
command -v umoci >/dev/null || need+=(umoci)
command -v curl >/dev/null || need+=(curl)
if [ ${#need[@]} -gt 0 ]; then
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
fi
# Debian's package starts a registry service on :5000 with a broken config (htpasswd path is a directory).
if command -v systemctl >/dev/null && systemctl is-active -q docker-registry 2>/dev/null; then systemctl stop docker-registry || true; fi

running() { [ -f "$1" ] && kill -0 "$(cat "$1")" 2>/dev/null; }
status() { curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$1/v2/" || true; }
wait_for() { for _ in $(seq 1 150); do [ "$(status "$1")" = "$2" ] && return 0; sleep 0.2; done; echo "registry on :$1 did not answer $2" >&2; return 1; }

config() { # port, data dir, [htpasswd file]
  cat <<YAML
version: 0.1
log: {level: warn}
storage:
  filesystem: {rootdirectory: $2}
  delete: {enabled: true}
http: {addr: 127.0.0.1:$1}
YAML
  if [ -n "${3:-}" ]; then printf 'auth:\n  htpasswd: {realm: basic-realm, path: %s}\n' "$3"; fi
}

# The password is generated once and kept: a restarted registry must accept what the tests read.
[ -s "$R/aws-password" ] || head -c 24 /dev/urandom | base64 | tr -d '/+=' > "$R/aws-password"
chmod 600 "$R/aws-password"
htpasswd -Bbn AWS "$(cat "$R/aws-password")" > "$R/htpasswd"
config 5000 "$R/data" > "$R/config-5000.yml"
config 5001 "$R/data-auth" "$R/htpasswd" > "$R/config-5001.yml"

for port in 5000 5001; do
  expected=200; [ $port = 5001 ] && expected=401
  if running "$RUN/registry-$port.pid"; then continue; fi
  if [ "$(status $port)" != 000 ]; then
    echo "port $port is taken by a process this script did not start; stop it (or run ../shared/lab/lab.sh registry stop)" >&2
    exit 1
  fi
  nohup docker-registry serve "$R/config-$port.yml" >> "$R/registry-$port.log" 2>&1 &
  echo $! > "$RUN/registry-$port.pid"
  wait_for $port $expected
done

have_image() { # registry port, repository[, tag]
  local creds=(); [ "$1" = 5001 ] && creds=(-u "AWS:$(cat "$R/aws-password")")
  [ "$(curl -s -o /dev/null -w '%{http_code}' "${creds[@]}" -H 'Accept: application/vnd.oci.image.manifest.v1+json' \
        "http://127.0.0.1:$1/v2/$2/manifests/${3:-10.0}")" = 200 ]
}

if ! { have_image 5000 dotnet/runtime && have_image 5000 dotnet/runtime-deps && have_image 5001 dotnet/runtime && have_image 5001 dotnet/runtime-deps \
       && have_image 5000 dotnet/runtime-deps 10.0-chiseled && have_image 5001 dotnet/runtime-deps 10.0-chiseled; }; then
  B="$CI_DIR/base"; L=/usr/lib/x86_64-linux-gnu
  dotnet_root="$(dirname "$(readlink -f "$(command -v dotnet)")")"
  rm -rf "$B"; mkdir -p "$B/deps" "$B/runtime"
  # runtime-deps: only the shared libraries .NET needs, taken from this Debian host
  D="$B/deps"
  mkdir -p "$D"/{etc/ssl/certs,tmp,var/tmp,root,proc,sys,dev,home/app,usr/bin,usr/share,lib64,usr/lib/ssl,"${L#/}"}
  chmod 1777 "$D/tmp" "$D/var/tmp"; ln -s usr/lib "$D/lib"; ln -s usr/bin "$D/bin"
  cp -a /lib64/ld-linux-x86-64.so.2 "$D/lib64/"
  for f in ld-linux-x86-64.so.2 libc.so.6 libm.so.6 libdl.so.2 libpthread.so.0 librt.so.1 libresolv.so.2 libnss_files.so.2 libnss_dns.so.2 \
           libgcc_s.so.1 'libstdc++.so.6'* 'libz.so.1'* libssl.so.3 libcrypto.so.3 'libicuuc.so.'* 'libicui18n.so.'* 'libicudata.so.'*; do
    cp -a $L/$f "$D$L/" 2>/dev/null || true
  done
  cp /etc/ssl/openssl.cnf "$D/etc/ssl/" 2>/dev/null || true
  cp /etc/ssl/certs/ca-certificates.crt "$D/etc/ssl/certs/" 2>/dev/null || true
  ln -s /etc/ssl/certs "$D/usr/lib/ssl/certs"; ln -s /etc/ssl/certs/ca-certificates.crt "$D/usr/lib/ssl/cert.pem"
  cp -a /usr/share/zoneinfo "$D/usr/share/" 2>/dev/null || true; ln -s /usr/share/zoneinfo/Etc/UTC "$D/etc/localtime"
  cp /bin/dash "$D/usr/bin/dash"; ln -s dash "$D/usr/bin/sh"
  printf 'root:x:0:0:root:/root:/bin/sh\napp:x:1654:1654::/home/app:/usr/sbin/nologin\n' > "$D/etc/passwd"
  printf 'root:x:0:\napp:x:1654:\n' > "$D/etc/group"; chown 1654:1654 "$D/home/app"
  printf 'passwd: files\ngroup: files\nhosts: files dns\n' > "$D/etc/nsswitch.conf"
  # runtime-deps:10.0-chiseled, the smallest base a Native AOT app with InvariantGlobalization=true runs on, as Microsoft's
  # -chiseled tags are: runtime-deps without ICU, time zones or a shell (libc, libstdc++, OpenSSL, zlib, CA certificates)
  C="$B/chiseled"; cp -a "$D" "$C"
  rm -rf "$C$L"/libicu* "$C/usr/share/zoneinfo" "$C/etc/localtime" "$C/usr/bin/dash" "$C/usr/bin/sh"
  # runtime: the .NET shared runtime on top, as the official runtime image adds it to runtime-deps
  V=$(ls "$dotnet_root/shared/Microsoft.NETCore.App" | sort -V | tail -1)
  mkdir -p "$B/runtime/usr/share/dotnet/shared/Microsoft.NETCore.App" "$B/runtime/usr/bin"
  cp -a "$dotnet_root"/{dotnet,host} "$B/runtime/usr/share/dotnet/"
  cp -a "$dotnet_root/shared/Microsoft.NETCore.App/$V" "$B/runtime/usr/share/dotnet/shared/Microsoft.NETCore.App/"
  ln -s /usr/share/dotnet/dotnet "$B/runtime/usr/bin/dotnet"
  # layers (sorted, mtime 0: the same bytes every time) -> OCI layout -> both registries
  ( cd "$B"
    tar --numeric-owner --sort=name --mtime=@0 -C deps -cf deps.tar .
    tar --numeric-owner --sort=name --mtime=@0 -C runtime -cf runtime.tar .
    tar --numeric-owner --sort=name --mtime=@0 -C chiseled -cf chiseled.tar .
    umoci init --layout oci
    umoci new --image oci:deps
    umoci raw add-layer --image oci:deps deps.tar
    umoci config --image oci:deps --no-history --architecture amd64 --os linux --config.user 1654 \
      --config.env PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin --config.env APP_UID=1654 \
      --config.env ASPNETCORE_HTTP_PORTS=8080 --config.env DOTNET_RUNNING_IN_CONTAINER=true
    umoci new --image oci:chiseled
    umoci raw add-layer --image oci:chiseled chiseled.tar
    umoci config --image oci:chiseled --no-history --architecture amd64 --os linux --config.user 1654 \
      --config.env PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin --config.env APP_UID=1654 \
      --config.env DOTNET_RUNNING_IN_CONTAINER=true
    umoci raw add-layer --image oci:deps --tag runtime runtime.tar
    umoci config --image oci:runtime --no-history --config.env "DOTNET_VERSION=$V"
    pw=$(cat "$R/aws-password")
    for reg in localhost:5000 localhost:5001; do
      creds=(); [ "$reg" = localhost:5001 ] && creds=(--dest-creds "AWS:$pw")
      skopeo copy -q --dest-tls-verify=false "${creds[@]}" oci:oci:deps "docker://$reg/dotnet/runtime-deps:10.0"
      skopeo copy -q --dest-tls-verify=false "${creds[@]}" oci:oci:runtime "docker://$reg/dotnet/runtime:10.0"
      skopeo copy -q --dest-tls-verify=false "${creds[@]}" oci:oci:chiseled "docker://$reg/dotnet/runtime-deps:10.0-chiseled"
    done )
  rm -rf "$B"
fi
echo "registries: localhost:5000 (plain), localhost:5001 (user AWS, password in $R/aws-password); base images dotnet/runtime{,-deps}:10.0 and dotnet/runtime-deps:10.0-chiseled on both"
