#!/usr/bin/env bash
# Prints what a cluster admin applies for the kubernetes worker, for the fake API server's --apply: the worker chart's
# ServiceAccount, Role and RoleBinding (helm template, with any --set given), and a service-account token Secret for
# that ServiceAccount (flows-worker-token, which the fake's --kubeconfig-from turns into the worker's kubeconfig).
# Usage: bash scripts/lib/worker-rbac.sh NAMESPACE [helm template options…] > rbac.yaml   (from the repository root)
set -euo pipefail
NAMESPACE=$1; shift
HELM_HOME=$(mktemp -d); trap 'rm -rf "$HELM_HOME"' EXIT
HELM_CACHE_HOME="$HELM_HOME" HELM_CONFIG_HOME="$HELM_HOME" HELM_DATA_HOME="$HELM_HOME" \
  .tools/bin/helm template flows-worker deploy/charts/flows-worker --namespace "$NAMESPACE" "$@" \
  --show-only templates/serviceaccount.yaml --show-only templates/role.yaml --show-only templates/rolebinding.yaml
cat <<YAML
---
apiVersion: v1
kind: Secret
type: kubernetes.io/service-account-token
metadata:
  name: flows-worker-token
  namespace: $NAMESPACE
  annotations:
    kubernetes.io/service-account.name: flows-worker
YAML
