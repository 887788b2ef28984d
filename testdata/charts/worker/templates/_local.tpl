{{- define "worker.queue.name" -}}{{ include "kit.fullname" .root }}-{{ .q.name }}{{- end -}}
{{- define "worker.queue.labels" -}}
{{ include "kit.labels" .root }}
queue: {{ .q.name }}
{{- end -}}
{{- define "worker.queue.args" -}}
- --queue={{ .q.name }}
- --concurrency={{ .q.concurrency }}
{{- end -}}
{{- define "worker.queue.container" -}}
name: {{ include "worker.queue.name" . }}
image: {{ include "kit.image" (dict "image" .root.Values.image "chart" .root.Chart) }}
args: {{- include "worker.queue.args" . | nindent 2 }}
{{- end -}}
