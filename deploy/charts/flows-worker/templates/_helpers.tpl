{{- define "flows-worker.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{- define "flows-worker.fullname" -}}
{{- if .Values.fullnameOverride -}}
{{- .Values.fullnameOverride | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- $name := default .Chart.Name .Values.nameOverride -}}
{{- if contains $name .Release.Name -}}
{{- .Release.Name | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- printf "%s-%s" .Release.Name $name | trunc 63 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}
{{- end -}}

{{- define "flows-worker.selectorLabels" -}}
app.kubernetes.io/name: {{ include "flows-worker.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end -}}

{{- define "flows-worker.labels" -}}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
{{ include "flows-worker.selectorLabels" . }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/component: worker
app.kubernetes.io/part-of: flows
app.kubernetes.io/managed-by: {{ .Release.Service }}
{{- end -}}

{{- define "flows-worker.serviceAccountName" -}}
{{- if .Values.serviceAccount.create -}}
{{- default (include "flows-worker.fullname" .) .Values.serviceAccount.name -}}
{{- else -}}
{{- required "serviceAccount.name is required when serviceAccount.create is false" .Values.serviceAccount.name -}}
{{- end -}}
{{- end -}}

{{- define "flows-worker.roleNamespace" -}}
{{- default .Release.Namespace .Values.role.namespace -}}
{{- end -}}

{{/* PREFECT_API_URL for worker.apiConfig. */}}
{{- define "flows-worker.apiUrl" -}}
{{- $w := .Values.worker -}}
{{- if eq $w.apiConfig "server" -}}
{{- default (printf "http://flows-server.%s.svc.cluster.local:4200/api" .Release.Namespace) $w.serverApiConfig.apiUrl -}}
{{- else if eq $w.apiConfig "selfHostedServer" -}}
{{- required "worker.selfHostedServerApiConfig.apiUrl is required with worker.apiConfig=selfHostedServer" $w.selfHostedServerApiConfig.apiUrl -}}
{{- else if eq $w.apiConfig "cloud" -}}
{{- $c := $w.cloudApiConfig -}}
{{- printf "%s/accounts/%s/workspaces/%s" (trimSuffix "/" $c.cloudUrl) (required "worker.cloudApiConfig.accountId is required with worker.apiConfig=cloud" $c.accountId) (required "worker.cloudApiConfig.workspaceId is required with worker.apiConfig=cloud" $c.workspaceId) -}}
{{- else -}}
{{- fail (printf "worker.apiConfig must be server, selfHostedServer or cloud, not %q" $w.apiConfig) -}}
{{- end -}}
{{- end -}}

{{/* The Secret holding PREFECT_API_KEY for worker.apiConfig, as {name, key}; name "" means no key. */}}
{{- define "flows-worker.apiKeySecret" -}}
{{- $w := .Values.worker -}}
{{- if eq $w.apiConfig "cloud" -}}
{{- $s := $w.cloudApiConfig.apiKeySecret -}}
{{- dict "name" (required "worker.cloudApiConfig.apiKeySecret.name is required with worker.apiConfig=cloud" $s.name) "key" (required "worker.cloudApiConfig.apiKeySecret.key is required" $s.key) | toJson -}}
{{- else if eq $w.apiConfig "selfHostedServer" -}}
{{- toJson $w.selfHostedServerApiConfig.apiKeySecret -}}
{{- else -}}
{{- toJson $w.serverApiConfig.apiKeySecret -}}
{{- end -}}
{{- end -}}

{{/* worker.jobApiKey, checked: reference needs the worker's key Secret in the Jobs' namespace. */}}
{{- define "flows-worker.jobApiKey" -}}
{{- $mode := .Values.worker.jobApiKey -}}
{{- $key := include "flows-worker.apiKeySecret" . | fromJson -}}
{{- if not (has $mode (list "reference" "secretPerRun" "env")) -}}
{{- fail (printf "worker.jobApiKey must be reference, secretPerRun or env, not %q" $mode) -}}
{{- end -}}
{{- if and $key.name (eq $mode "reference") (ne (include "flows-worker.roleNamespace" .) .Release.Namespace) -}}
{{- fail (printf "worker.jobApiKey=reference: flow-run pods in namespace %q cannot read Secret %q of namespace %q. Create the Secret in %q too, or set worker.jobApiKey=secretPerRun (the worker then creates one per run and needs secrets create/get/update there)." (include "flows-worker.roleNamespace" .) $key.name .Release.Namespace (include "flows-worker.roleNamespace" .)) -}}
{{- end -}}
{{- $mode -}}
{{- end -}}
