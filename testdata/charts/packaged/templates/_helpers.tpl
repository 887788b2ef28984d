{{- define "packaged.name" -}}{{ .Chart.Name }}-{{ .Release.Name }}{{- end -}}
