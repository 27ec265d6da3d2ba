{{/* Base name of every object: the release name unless overridden (the Lease adds "-leader": at most 56). */}}
{{- define "custos.fullname" -}}
{{- default .Release.Name .Values.fullnameOverride | trunc 56 | trimSuffix "-" -}}
{{- end -}}

{{- define "custos.labels" -}}
app.kubernetes.io/name: {{ include "custos.fullname" . }}
app.kubernetes.io/component: operator
{{- end -}}

{{- define "custos.webhookName" -}}
{{ include "custos.fullname" . }}-webhook
{{- end -}}
