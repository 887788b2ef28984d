{{/* kit: shared helpers for app charts */}}
{{- define "kit.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{- define "kit.fullname" -}}
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

{{- define "kit.chart" -}}
{{- printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{- define "kit.selectorLabels" -}}
app.kubernetes.io/name: {{ include "kit.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end -}}

{{- define "kit.labels" -}}
helm.sh/chart: {{ include "kit.chart" . }}
{{ include "kit.selectorLabels" . }}
{{- if .Chart.AppVersion }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
{{- end }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
{{- with .Values.commonLabels }}
{{ toYaml . }}
{{- end }}
{{- end -}}

{{- define "kit.namespace" -}}
{{- default .Release.Namespace .Values.namespaceOverride -}}
{{- end -}}

{{- define "kit.serviceAccountName" -}}
{{- if (.Values.serviceAccount).create -}}
{{- default (include "kit.fullname" .) .Values.serviceAccount.name -}}
{{- else -}}
{{- default "default" (.Values.serviceAccount).name -}}
{{- end -}}
{{- end -}}

{{- define "kit.image" -}}
{{- $registry := .image.registry | default "" -}}
{{- $tag := .image.tag | default .chart.AppVersion | toString -}}
{{- if .image.digest -}}
{{- printf "%s%s@%s" (ternary "" (printf "%s/" $registry) (empty $registry)) .image.repository .image.digest -}}
{{- else -}}
{{- printf "%s%s:%s" (ternary "" (printf "%s/" $registry) (empty $registry)) .image.repository $tag -}}
{{- end -}}
{{- end -}}

{{- define "kit.tplvalues.render" -}}
{{- if typeIs "string" .value -}}
{{- tpl .value .context -}}
{{- else -}}
{{- tpl (.value | toYaml) .context -}}
{{- end -}}
{{- end -}}

{{- define "kit.capabilities.kubeVersion" -}}
{{- default .Capabilities.KubeVersion.Version .Values.kubeVersion -}}
{{- end -}}

{{- define "kit.capabilities.ingress.apiVersion" -}}
{{- if semverCompare "<1.14-0" (include "kit.capabilities.kubeVersion" .) -}}
extensions/v1beta1
{{- else if semverCompare "<1.19-0" (include "kit.capabilities.kubeVersion" .) -}}
networking.k8s.io/v1beta1
{{- else -}}
networking.k8s.io/v1
{{- end -}}
{{- end -}}

{{- define "kit.capabilities.pdb.apiVersion" -}}
{{- if .Capabilities.APIVersions.Has "policy/v1/PodDisruptionBudget" -}}
policy/v1
{{- else -}}
policy/v1beta1
{{- end -}}
{{- end -}}

{{- define "kit.capabilities.hpa.apiVersion" -}}
{{- if semverCompare "<1.23-0" (include "kit.capabilities.kubeVersion" .) -}}
autoscaling/v2beta2
{{- else -}}
autoscaling/v2
{{- end -}}
{{- end -}}

{{- define "kit.resources.preset" -}}
{{- $presets := dict
  "nano" (dict "requests" (dict "cpu" "100m" "memory" "128Mi") "limits" (dict "cpu" "150m" "memory" "192Mi"))
  "small" (dict "requests" (dict "cpu" "500m" "memory" "512Mi") "limits" (dict "cpu" "750m" "memory" "768Mi"))
  "large" (dict "requests" (dict "cpu" "1" "memory" "2Gi") "limits" (dict "cpu" "1500m" "memory" "3Gi"))
-}}
{{- if hasKey $presets .type -}}
{{- index $presets .type | toYaml -}}
{{- else -}}
{{- printf "ERROR: unknown preset %s" .type | fail -}}
{{- end -}}
{{- end -}}

{{- define "kit.resources" -}}
{{- if .Values.resources -}}
{{- toYaml .Values.resources -}}
{{- else if .Values.resourcesPreset -}}
{{- include "kit.resources.preset" (dict "type" .Values.resourcesPreset) -}}
{{- end -}}
{{- end -}}

{{- define "kit.affinities.pod.soft" -}}
preferredDuringSchedulingIgnoredDuringExecution:
  - podAffinityTerm:
      labelSelector:
        matchLabels: {{- (include "kit.selectorLabels" .context) | nindent 10 }}
      topologyKey: {{ .topologyKey | default "kubernetes.io/hostname" }}
    weight: 1
{{- end -}}

{{- define "kit.affinities.pod.hard" -}}
requiredDuringSchedulingIgnoredDuringExecution:
  - labelSelector:
      matchLabels: {{- (include "kit.selectorLabels" .context) | nindent 8 }}
    topologyKey: {{ .topologyKey | default "kubernetes.io/hostname" }}
{{- end -}}

{{- define "kit.affinities.pod" -}}
{{- if eq .type "soft" -}}
{{- include "kit.affinities.pod.soft" . -}}
{{- else if eq .type "hard" -}}
{{- include "kit.affinities.pod.hard" . -}}
{{- end -}}
{{- end -}}

{{- define "kit.env" -}}
{{- range $k, $v := . }}
- name: {{ $k }}
{{- if kindIs "map" $v }}
  valueFrom: {{- toYaml $v | nindent 4 }}
{{- else }}
  value: {{ $v | toString | quote }}
{{- end }}
{{- end }}
{{- end -}}

{{- define "kit.probe" -}}
{{- $p := .probe -}}
{{- if $p.enabled -}}
{{- if $p.http }}
httpGet:
  path: {{ $p.http.path }}
  port: {{ $p.http.port | default "http" }}
{{- else }}
tcpSocket:
  port: {{ $p.port | default "http" }}
{{- end }}
initialDelaySeconds: {{ $p.initialDelaySeconds | default 10 }}
periodSeconds: {{ $p.periodSeconds | default 10 }}
failureThreshold: {{ $p.failureThreshold | default 3 }}
{{- end -}}
{{- end -}}

{{- define "kit.annotations" -}}
{{- $all := merge (dict) (.extra | default dict) (.base | default dict) -}}
{{- if $all }}
annotations:
{{- range $k, $v := $all }}
  {{ $k }}: {{ $v | quote }}
{{- end }}
{{- end }}
{{- end -}}

{{- define "kit.checksum" -}}
{{- $tpl := printf "%s/%s" .context.Template.BasePath .file -}}
{{- include $tpl .context | sha256sum | trunc 16 -}}
{{- end -}}

{{- define "kit.secret.value" -}}
{{- if .value -}}
{{- .value | b64enc | quote -}}
{{- else -}}
{{- printf "%s-%s" .key .release | sha1sum | trunc 20 | b64enc | quote -}}
{{- end -}}
{{- end -}}

{{- define "kit.warnings" -}}
{{- $w := list -}}
{{- if not .Values.resources -}}{{- $w = append $w "resources are not set" -}}{{- end -}}
{{- if eq (toString .Values.image.tag) "latest" -}}{{- $w = append $w "image tag latest is mutable" -}}{{- end -}}
{{- join "; " $w -}}
{{- end -}}

{{- define "kit.deployment" -}}
apiVersion: apps/v1
kind: Deployment
metadata:
  name: {{ include "kit.fullname" . }}
  namespace: {{ include "kit.namespace" . }}
  labels: {{- include "kit.labels" . | nindent 4 }}
spec:
  {{- if not (.Values.autoscaling).enabled }}
  replicas: {{ .Values.replicaCount | default 1 }}
  {{- end }}
  selector:
    matchLabels: {{- include "kit.selectorLabels" . | nindent 6 }}
  template:
    metadata:
      labels: {{- include "kit.selectorLabels" . | nindent 8 }}
      {{- with .Values.podAnnotations }}
      annotations: {{- toYaml . | nindent 8 }}
      {{- end }}
    spec:
      serviceAccountName: {{ include "kit.serviceAccountName" . }}
      {{- if .Values.podAntiAffinityPreset }}
      affinity:
        podAntiAffinity: {{- include "kit.affinities.pod" (dict "type" .Values.podAntiAffinityPreset "context" .) | nindent 10 }}
      {{- end }}
      containers:
        - name: {{ .Chart.Name }}
          image: {{ include "kit.image" (dict "image" .Values.image "chart" .Chart) | quote }}
          imagePullPolicy: {{ .Values.image.pullPolicy | default "IfNotPresent" }}
          {{- with .Values.env }}
          env: {{- include "kit.env" . | indent 12 }}
          {{- end }}
          ports:
            - name: http
              containerPort: {{ .Values.service.targetPort | default 8080 }}
              protocol: TCP
          {{- with .Values.livenessProbe }}
          livenessProbe: {{- include "kit.probe" (dict "probe" .) | nindent 12 }}
          {{- end }}
          {{- $res := include "kit.resources" . }}
          {{- if $res }}
          resources: {{- $res | nindent 12 }}
          {{- end }}
{{- end -}}

{{- define "kit.service" -}}
apiVersion: v1
kind: Service
metadata:
  name: {{ include "kit.fullname" . }}
  namespace: {{ include "kit.namespace" . }}
  labels: {{- include "kit.labels" . | nindent 4 }}
  {{- include "kit.annotations" (dict "base" .Values.commonAnnotations "extra" .Values.service.annotations) | nindent 2 }}
spec:
  type: {{ .Values.service.type | default "ClusterIP" }}
  ports:
    - port: {{ .Values.service.port | default 80 }}
      targetPort: http
      protocol: TCP
      name: http
      {{- if and (eq (.Values.service.type | default "") "NodePort") .Values.service.nodePort }}
      nodePort: {{ .Values.service.nodePort }}
      {{- end }}
  selector: {{- include "kit.selectorLabels" . | nindent 4 }}
{{- end -}}
