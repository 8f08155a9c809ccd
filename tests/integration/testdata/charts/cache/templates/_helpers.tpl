{{- define "cache.fullname" -}}
{{- printf "%s-cache" .Release.Name | trunc 63 | trimSuffix "-" }}
{{- end }}

{{- define "cache.labels" -}}
app.kubernetes.io/name: cache
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
{{- end }}
