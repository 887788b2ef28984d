"""Generates helm-charts.txt (realistic multi-template charts), helm-traces.txt (errors through
include/tpl/template chains) and lang-misc.txt. Run: python3 testdata/gotmpl/snippets/gen/helm2.py"""
from lib import case, family, write, V_APP

total = 0
HELPERS = """\
{{/*
Naming helpers for the "storefront" chart.
*/}}
{{- define "storefront.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{- define "storefront.fullname" -}}
{{- $name := include "storefront.name" . -}}
{{- if .Values.fullnameOverride -}}
{{- .Values.fullnameOverride | trunc 63 | trimSuffix "-" -}}
{{- else if hasPrefix $name .Release.Name -}}
{{- .Release.Name | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- printf "%s-%s" .Release.Name $name | trunc 63 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}

{{- define "storefront.labels" -}}
app.kubernetes.io/name: {{ include "storefront.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
{{- with .Values.extraLabels }}
{{ toYaml . }}
{{- end }}
{{- end -}}

{{- define "storefront.selector" -}}
app.kubernetes.io/name: {{ include "storefront.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end -}}

{{- define "storefront.image" -}}
{{- $tag := .Values.image.tag | default .Chart.AppVersion -}}
{{- if .Values.image.digest -}}
{{ .Values.image.repository }}@{{ .Values.image.digest }}
{{- else -}}
{{ .Values.image.repository }}:{{ $tag }}
{{- end -}}
{{- end -}}

{{- define "storefront.env" -}}
{{- range $k, $v := .Values.env }}
- name: {{ $k | upper | replace "-" "_" }}
  value: {{ tpl (toString $v) $ | quote }}
{{- end }}
{{- end -}}
"""
DEPLOYMENT = """\
apiVersion: apps/v1
kind: Deployment
metadata:
  name: {{ include "storefront.fullname" . }}
  labels:
    {{- include "storefront.labels" . | nindent 4 }}
  {{- with .Values.annotations }}
  annotations:
    {{- toYaml . | nindent 4 }}
  {{- end }}
spec:
  {{- if not .Values.autoscaling.enabled }}
  replicas: {{ .Values.replicaCount }}
  {{- end }}
  selector:
    matchLabels:
      {{- include "storefront.selector" . | nindent 6 }}
  template:
    metadata:
      annotations:
        checksum/config: {{ include (print $.Template.BasePath "/configmap.yaml") . | sha256sum }}
      labels:
        {{- include "storefront.selector" . | nindent 8 }}
    spec:
      containers:
        - name: {{ .Chart.Name }}
          image: {{ include "storefront.image" . | quote }}
          imagePullPolicy: {{ .Values.image.pullPolicy }}
          {{- with .Values.env }}
          env:
            {{- include "storefront.env" $ | nindent 12 }}
          {{- end }}
          ports:
            {{- range .Values.service.ports }}
            - name: {{ .name }}
              containerPort: {{ .targetPort | default .port }}
              protocol: {{ .protocol | default "TCP" }}
            {{- end }}
          {{- if .Values.resources }}
          resources:
            {{- toYaml .Values.resources | nindent 12 }}
          {{- end }}
"""
SERVICE = """\
apiVersion: v1
kind: Service
metadata:
  name: {{ include "storefront.fullname" . }}
  labels: {{- include "storefront.labels" . | nindent 4 }}
spec:
  type: {{ .Values.service.type }}
  ports:
  {{- range $i, $p := .Values.service.ports }}
    - port: {{ $p.port }}
      targetPort: {{ $p.name }}
      name: {{ $p.name }}
      {{- if and (eq $.Values.service.type "NodePort") $p.nodePort }}
      nodePort: {{ $p.nodePort }}
      {{- end }}
  {{- end }}
  selector: {{- include "storefront.selector" . | nindent 4 }}
"""
CONFIGMAP = """\
apiVersion: v1
kind: ConfigMap
metadata:
  name: {{ include "storefront.fullname" . }}-config
data:
  {{- range $name, $body := .Values.config }}
  {{ $name }}: |
    {{- tpl $body $ | nindent 4 }}
  {{- end }}
  settings.json: {{ .Values.settings | toJson | quote }}
"""
INGRESS = """\
{{- if .Values.ingress.enabled -}}
{{- $fullName := include "storefront.fullname" . -}}
{{- $svcPort := (index .Values.service.ports 0).port -}}
apiVersion: {{ if .Capabilities.APIVersions.Has "networking.k8s.io/v1/Ingress" }}networking.k8s.io/v1{{ else }}networking.k8s.io/v1beta1{{ end }}
kind: Ingress
metadata:
  name: {{ $fullName }}
spec:
  {{- if .Values.ingress.tls }}
  tls:
    {{- range .Values.ingress.tls }}
    - hosts:
        {{- range .hosts }}
        - {{ . | quote }}
        {{- end }}
      secretName: {{ .secretName }}
    {{- end }}
  {{- end }}
  rules:
    {{- range .Values.ingress.hosts }}
    - host: {{ .host | quote }}
      http:
        paths:
          {{- range .paths }}
          - path: {{ .path }}
            pathType: {{ .pathType | default "Prefix" }}
            backend:
              service:
                name: {{ $fullName }}
                port:
                  number: {{ $svcPort }}
          {{- end }}
    {{- end }}
{{- end }}
"""
HPA = """\
{{- if .Values.autoscaling.enabled }}
apiVersion: autoscaling/v2
kind: HorizontalPodAutoscaler
metadata:
  name: {{ include "storefront.fullname" . }}
spec:
  minReplicas: {{ .Values.autoscaling.minReplicas }}
  maxReplicas: {{ .Values.autoscaling.maxReplicas }}
  metrics:
    {{- with .Values.autoscaling.targetCPU }}
    - type: Resource
      resource:
        name: cpu
        target:
          type: Utilization
          averageUtilization: {{ . }}
    {{- end }}
{{- end }}
"""
NOTES = """\
{{ include "storefront.fullname" . }} is installed in {{ .Release.Namespace }}.
{{- if .Values.ingress.enabled }}
{{- range .Values.ingress.hosts }}
  http{{ if $.Values.ingress.tls }}s{{ end }}://{{ .host }}
{{- end }}
{{- else }}
  kubectl port-forward svc/{{ include "storefront.fullname" . }} 8080:{{ (first .Values.service.ports).port }}
{{- end }}
"""
VALUES = """\
replicaCount: 2
nameOverride: ""
fullnameOverride: ""
image:
  repository: registry.example.org/storefront/web
  tag: ""
  digest: ""
  pullPolicy: IfNotPresent
extraLabels:
  team: web
annotations: {}
env:
  log-level: info
  public-url: "https://{{ .Release.Name }}.example.org"
  workers: 4
service:
  type: ClusterIP
  ports:
    - name: http
      port: 80
      targetPort: 8080
    - name: admin
      port: 9000
      protocol: TCP
resources:
  limits:
    cpu: 500m
    memory: 256Mi
config:
  app.ini: |
    [server]
    name = {{ .Release.Name }}
    replicas = {{ .Values.replicaCount }}
  motd.txt: "Welcome to {{ .Chart.Name }} {{ .Chart.AppVersion }}"
settings:
  cache: true
  ttl: 300
  regions: [eu, us]
ingress:
  enabled: false
  hosts:
    - host: shop.example.org
      paths:
        - path: /
  tls: []
autoscaling:
  enabled: false
  minReplicas: 1
  maxReplicas: 5
  targetCPU: 80
"""
TEMPLATES = {"_helpers.tpl": HELPERS, "deployment.yaml": DEPLOYMENT, "service.yaml": SERVICE, "configmap.yaml": CONFIGMAP,
             "ingress.yaml": INGRESS, "hpa.yaml": HPA, "NOTES.txt": NOTES}
charts = [case("storefront-defaults", None, VALUES, templates=TEMPLATES)]
variants = {
    "ingress-on": VALUES.replace("ingress:\n  enabled: false", "ingress:\n  enabled: true").replace("tls: []", "tls:\n    - hosts: [shop.example.org]\n      secretName: shop-tls"),
    "hpa-on": VALUES.replace("autoscaling:\n  enabled: false", "autoscaling:\n  enabled: true"),
    "digest": VALUES.replace('digest: ""', 'digest: "sha256:0123abcd"'),
    "fullname-override": VALUES.replace('fullnameOverride: ""', 'fullnameOverride: "shop-frontend"'),
    "name-override": VALUES.replace('nameOverride: ""', 'nameOverride: "release"'),
    "nodeport": VALUES.replace("type: ClusterIP", "type: NodePort").replace("      port: 80\n", "      port: 80\n      nodePort: 30080\n"),
    "no-env": VALUES.replace("env:\n  log-level: info\n  public-url: \"https://{{ .Release.Name }}.example.org\"\n  workers: 4\n", "env: {}\n"),
    "no-resources": VALUES.replace("resources:\n  limits:\n    cpu: 500m\n    memory: 256Mi\n", "resources: {}\n"),
    "annotations": VALUES.replace("annotations: {}", "annotations:\n  deploy/reason: \"rollout\"\n  z-last: 1"),
    "bad-config-tpl": VALUES.replace("motd.txt: \"Welcome", "motd.txt: \"{{ .Values.nope.deeper }} Welcome"),
    "ports-missing": VALUES.replace("service:\n  type: ClusterIP\n  ports:\n    - name: http\n      port: 80\n      targetPort: 8080\n    - name: admin\n      port: 9000\n      protocol: TCP\n", "service:\n  type: ClusterIP\n  ports: []\n"),
    "tag-set": VALUES.replace('tag: ""', 'tag: "3.1.0"'),
}
for name, vals in variants.items():
    charts.append(case(f"storefront-{name}", None, vals, templates=TEMPLATES))

# A second chart style: a worker with a library-like helper set and per-item templates.
WORKER_HELPERS = """\
{{- define "worker.job" -}}
{{- $root := index . 0 -}}
{{- $job := index . 1 -}}
apiVersion: batch/v1
kind: CronJob
metadata:
  name: {{ printf "%s-%s" $root.Release.Name $job.name | trunc 52 }}
spec:
  schedule: {{ $job.schedule | quote }}
  concurrencyPolicy: {{ $job.concurrency | default "Forbid" }}
  jobTemplate:
    spec:
      backoffLimit: {{ $job.retries | default 3 }}
      template:
        spec:
          restartPolicy: OnFailure
          containers:
            - name: {{ $job.name }}
              image: {{ $root.Values.image }}
              args: {{ $job.args | toJson }}
              {{- if $job.env }}
              env:
              {{- range $k, $v := $job.env }}
                - name: {{ $k }}
                  value: {{ $v | toString | quote }}
              {{- end }}
              {{- end }}
{{- end -}}
"""
WORKER_JOBS = """\
{{- range $i, $job := .Values.jobs }}
{{- if $job.enabled | default true }}
---
{{ include "worker.job" (list $ $job) }}
{{- end }}
{{- end }}
"""
WORKER_VALUES = """\
image: registry.example.org/worker:1.4
jobs:
  - name: cleanup
    schedule: "0 3 * * *"
    args: [cleanup, --older-than, 7d]
  - name: report
    schedule: "*/15 * * * *"
    concurrency: Allow
    retries: 0
    args: [report]
    env:
      FORMAT: csv
      LIMIT: 1000
  - name: disabled-one
    enabled: false
    schedule: "@daily"
    args: []
"""
charts.append(case("worker-cronjobs", None, WORKER_VALUES, templates={"_jobs.tpl": WORKER_HELPERS, "cronjobs.yaml": WORKER_JOBS}))
charts.append(case("worker-cronjobs-bad-schedule", None, WORKER_VALUES.replace('schedule: "@daily"', "schedule: {at: 3}"), templates={"_jobs.tpl": WORKER_HELPERS, "cronjobs.yaml": WORKER_JOBS}))
charts.append(case("worker-cronjobs-missing-name", None, WORKER_VALUES + "  - schedule: \"@hourly\"\n    args: [x]\n", templates={"_jobs.tpl": WORKER_HELPERS, "cronjobs.yaml": WORKER_JOBS}))

# Secrets and config from files.
SECRET = """\
apiVersion: v1
kind: Secret
metadata:
  name: {{ .Release.Name }}-files
type: Opaque
data:
{{ (.Files.Glob "secrets/*").AsSecrets | indent 2 }}
stringData:
  {{- range $path, $_ := .Files.Glob "conf/*.conf" }}
  {{ base $path }}: {{ $.Files.Get $path | quote }}
  {{- end }}
  lines: {{ .Files.Lines "conf/hosts.conf" | len | quote }}
"""
charts.append(case("files-secret", None, "", files={"secrets/token": "s3cr3t", "secrets/ca.crt": "-----BEGIN-----\nabc\n-----END-----", "conf/hosts.conf": "a.example\nb.example", "conf/app.conf": "x = 1"},
                   templates={"secret.yaml": SECRET}))
charts.append(case("files-configmap-tpl", "data:\n{{- range $path, $_ := .Files.Glob \"tpl/*.tmpl\" }}\n  {{ base $path | trimSuffix \".tmpl\" }}: |\n    {{- tpl ($.Files.Get $path) $ | nindent 4 }}\n{{- end }}",
                   "host: db.internal\nport: 5432\n", files={"tpl/db.tmpl": "host={{ .Values.host }}\nport={{ .Values.port }}", "tpl/release.tmpl": "{{ .Release.Name }}/{{ .Release.Namespace }}"}))
charts.append(case("files-empty-lines", "{{ .Files.Get \"empty\" | len }} {{ .Files.GetBytes \"empty\" }}\n{{ .Files.Lines \"empty\" }}", "", files={"empty": ""}))
charts.append(case("files-empty-glob", "{{ (.Files.Glob \"empty\").AsConfig }}|{{ (.Files.Glob \"empty\").AsSecrets }}", "", files={"empty": ""}))
charts.append(case("files-tpl-error", "{{ tpl (.Files.Get \"bad.tmpl\") . }}", "", files={"bad.tmpl": "line1\n{{ .Values.missing.key }}"}))
total += write("helm-charts", "Realistic chart-like templates: helpers, several manifests, values variants, files.", charts)

# ------------------------------------------------------------------ error traces
H = "_helpers.tpl"
tr = [
    case("trace-include-include", "{{ include \"outer\" . }}", templates={H: "{{ define \"outer\" }}{{ include \"inner\" . }}{{ end }}\n{{ define \"inner\" }}{{ .Values.a.b }}{{ end }}"}),
    case("trace-include-tpl", "{{ include \"outer\" . }}", "t: \"{{ .Values.x.y }}\"\n", templates={H: "{{ define \"outer\" }}{{ tpl .Values.t . }}{{ end }}"}),
    case("trace-tpl-include", "{{ tpl \"{{ include \\\"inner\\\" . }}\" . }}", templates={H: "{{ define \"inner\" }}{{ .Values.a.b }}{{ end }}"}),
    case("trace-template-include", "{{ template \"outer\" . }}", templates={H: "{{ define \"outer\" }}{{ include \"inner\" . }}{{ end }}\n{{ define \"inner\" }}{{ index .Values.l 3 }}{{ end }}"}, values="l: [1]\n"),
    case("trace-include-template", "{{ include \"outer\" . }}", templates={H: "{{ define \"outer\" }}{{ template \"inner\" . }}{{ end }}\n{{ define \"inner\" }}{{ .Values.a.b }}{{ end }}"}),
    case("trace-fail-deep", "{{ include \"outer\" . }}", templates={H: "{{ define \"outer\" }}{{ include \"inner\" . }}{{ end }}\n{{ define \"inner\" }}{{ fail \"deep failure\" }}{{ end }}"}),
    case("trace-required-deep", "{{ include \"outer\" . }}", templates={H: "{{ define \"outer\" }}{{ tpl \"{{ required \\\"need x\\\" .Values.x }}\" . }}{{ end }}"}),
    case("trace-sprig-error-deep", "{{ include \"outer\" . }}", templates={H: "{{ define \"outer\" }}{{ include \"inner\" . }}{{ end }}\n{{ define \"inner\" }}{{ mustFirst .Values.nope }}{{ end }}"}),
    case("trace-no-template-deep", "{{ include \"outer\" . }}", templates={H: "{{ define \"outer\" }}{{ include \"absent\" . }}{{ end }}"}),
    case("trace-template-missing-deep", "{{ include \"outer\" . }}", templates={H: "{{ define \"outer\" }}{{ template \"absent\" . }}{{ end }}"}),
    case("trace-same-helper-twice", "{{ include \"h\" . }}", templates={H: "{{ define \"h\" }}{{ include \"g\" . }}{{ end }}{{ define \"g\" }}{{ include \"f\" . }}{{ end }}{{ define \"f\" }}{{ .Values.a.b }}{{ end }}"}),
    case("trace-in-second-file", "ok", templates={"b.yaml": "first\n{{ include \"h\" . }}", H: "{{ define \"h\" }}{{ .Values.a.b }}{{ end }}"}),
    case("trace-range-in-helper", "{{ include \"h\" . }}", "items: [{n: 1}, {n: x}]\n", templates={H: "{{ define \"h\" }}{{ range .Values.items }}{{ add .n 1 }}{{ end }}{{ end }}"}),
    case("trace-tpl-parse-in-include", "{{ include \"h\" . }}", "t: \"{{ if }}\"\n", templates={H: "{{ define \"h\" }}{{ tpl .Values.t . }}{{ end }}"}),
    case("trace-tpl-in-tpl-in-include", "{{ include \"h\" . }}", templates={H: "{{ define \"h\" }}{{ tpl \"{{ tpl \\\"{{ .Values.a.b }}\\\" . }}\" . }}{{ end }}"}),
    case("trace-include-arg-error", "{{ include \"h\" (dict \"x\" .Values.a.b) }}", templates={H: "{{ define \"h\" }}x{{ end }}"}),
    case("trace-include-nested-dict-error", "{{ include \"h\" . }}", templates={H: "{{ define \"h\" }}{{ include \"g\" (dict \"v\" (index .Values.l 5)) }}{{ end }}{{ define \"g\" }}{{ end }}"}, values="l: []\n"),
    case("trace-multiline-position", "a\nb\n{{ include \"h\" . }}", templates={H: "\n\n{{ define \"h\" }}\n  x\n  {{ .Values.a.b }}\n{{ end }}"}),
    case("trace-wrong-type-deep", "{{ include \"h\" . }}", templates={H: "{{ define \"h\" }}{{ include \"g\" . }}{{ end }}{{ define \"g\" }}{{ lt 1 \"x\" }}{{ end }}"}),
    case("trace-call-deep", "{{ include \"h\" . }}", templates={H: "{{ define \"h\" }}{{ call .Values.f }}{{ end }}"}, values="f: notfunc\n"),
    case("trace-len-deep", "{{ include \"h\" . }}", templates={H: "{{ define \"h\" }}{{ len .Values.missing }}{{ end }}"}),
    case("trace-colons-in-message", "{{ include \"h\" . }}", templates={H: "{{ define \"h\" }}{{ fail \"a: b: c\" }}{{ end }}"}),
    case("trace-error-in-block", "{{ block \"b\" . }}{{ .Values.a.b }}{{ end }}"),
    case("trace-error-with-else", "{{ with .Values.x }}{{ else }}{{ include \"h\" . }}{{ end }}", templates={H: "{{ define \"h\" }}{{ .Values.a.b }}{{ end }}"}),
]
total += write("helm-traces", "Errors through include/tpl/template chains (helm 4's multi-line error trace, helm 3's one line).", tr)

misc = family("misc", [
    "{{ $x := 0 }}{{ range .Values.list }}{{ with . }}{{ if eq . \"b\" }}{{ break }}{{ end }}{{ $x = add $x 1 }}{{ end }}{{ end }}{{ $x }}",
    "{{ range $i, $e := .Values.list }}{{ with $e }}{{ if eq $i 1 }}{{ continue }}{{ end }}{{ . }}{{ end }}{{ end }}",
    "{{ printf \"%T\" (add 1 2) }} {{ eq (add 1 2) 3 }} {{ lt (len .Values.list) 5 }}",
    "{{ printf \"%v %d\" .Release.Revision .Release.Revision }}",
    "{{ printf \"%s|%v|%q\" .Capabilities.KubeVersion.Version .Capabilities.KubeVersion .Release.Name }}",
    "{{ printf \"%T\" .Capabilities.KubeVersion }} {{ printf \"%T\" .Capabilities.HelmVersion }}",
    "{{ .Capabilities.HelmVersion.GoVersion | regexMatch \"^go1\\\\.\" }}",
    "{{ toJson .Capabilities.HelmVersion }}",
    "{{ $k := .Capabilities.KubeVersion }}{{ $k }} {{ $k.Major }}",
    "{{ with .Capabilities.KubeVersion }}{{ . }} {{ .Minor }}{{ end }}",
    "{{ range .Capabilities.APIVersions }}{{ if hasPrefix \"apps\" . }}{{ . }} {{ end }}{{ end }}",
    "{{ index .Capabilities.APIVersions 0 }}",
    "{{ .Chart.Name | upper }} {{ .Chart.Version | semver | toString }}",
    "{{ include \"snippet/templates/a.yaml\" . | len }}",
    "{{ define \"x\" }}{{ . }}{{ end }}{{ template \"x\" \"a\" }}{{ template \"x\" 1 }}{{ template \"x\" nil }}",
    "{{ $ = 1 }}",
    "{{ range $i := list 3 4 }}{{ $i }}{{ end }}",
    "{{ with $x := .Values.image }}{{ $x.tag }}{{ $x = 1 }}{{ $x }}{{ end }}",
    "{{ if and (not .Values.disabled) (or .Values.zero .Values.list) }}yes{{ end }}",
    "{{ (index (index .Values.ports 1) \"name\") | title }}",
    "{{ .Values.ports | toYaml | fromYamlArray | len }}",
    "{{ (fromYaml (toYaml .Values.image)).tag }}",
    "{{ .Values.image | toJson | fromJson | toYaml }}",
    "{{ $d := deepCopy .Values.image }}{{ $_ := set $d \"tag\" \"x\" }}{{ .Values.image.tag }} {{ $d.tag }}",
    "{{ $_ := set .Values \"added\" 1 }}{{ .Values.added }}",
    "{{ $_ := unset .Values \"name\" }}[{{ .Values.name }}]",
    "{{ print (toString 1.0) (toString 1e6) (toString .Values.replicas) }}",
    "{{ len (print .Values.ratio) }} {{ .Values.ratio | mul 4 }}",
    "{{ .Values.replicas | int | printf \"%03d\" }}",
    "{{ 07 | printf \"%o %d\" 07 }}",
    "{{ -0x10 | printf \"%d %x\" -0x10 }}",
    "{{ 1e3 | printf \"%T %v\" 1e3 }}",
    "{{ 'a' | printf \"%T %c\" 'a' }}",
    "{{ \"\\u263A\" }} {{ `\\u263A` }}",
    "{{ js \"</script>\" }} {{ html \"</script>\" }} {{ urlquery \"</script>\" }}",
    "{{ print \"a\" nil \"b\" }} {{ println nil }}",
    "{{ printf \"%v\" (list .Values.nothing .Values.missing) }}",
    "{{ .Values.nothing | printf \"%v\" }} {{ .Values.missing | printf \"%v\" }}",
    "{{ if eq .Values.missing nil }}nil-eq{{ end }}",
    "{{ if ne .Values.name nil }}not-nil{{ end }}",
    "{{ eq .Values.nothing .Values.missing }}",
    "{{ and .Values.list .Values.labels | len }}",
    "{{ or .Values.missing .Values.nothing | printf \"%v\" }}",
    "{{ not .Values.missing }} {{ not .Values.labels }}",
    "{{ .Values.list | join \",\" }} {{ .Values.nums | sortAlpha | join \"\" }}",
])
misc += [
    case("misc-else-with-v3", "{{ with .Values.a }}a{{ else with .Values.b }}b{{ end }}", "b: 1\n"),
    case("misc-range-int-v3", "{{ range 2 }}{{ . }}{{ end }}"),
    case("misc-range-int-var-v3", "{{ range $i := 2 }}{{ $i }}{{ end }}"),
    case("misc-break-in-with-in-range", "{{ range .Values.l }}{{ with . }}{{ break }}{{ end }}x{{ end }}done", "l: [1, 2]\n"),
    case("misc-partial-output-dropped", "{{ define \"p\" }}P{{ end }}", templates={"_p.tpl": "partial text {{ .Values.x }}"}),
    case("misc-empty-template", ""),
    case("misc-only-whitespace", "   \n\n  "),
    case("misc-crlf", "a: {{ .Values.a }}\r\nb: {{ .Values.b }}\r\n", "a: 1\nb: 2\n"),
    case("misc-many-files-order", "{{ template \"w\" }}", templates={"_1.tpl": "{{ define \"w\" }}1{{ end }}", "_2.tpl": "{{ define \"w\" }}2{{ end }}", "x/_3.tpl": "{{ define \"w\" }}3{{ end }}", "x/y/_4.tpl": "{{ define \"w\" }}4{{ end }}", "b.yaml": "{{ define \"w\" }}b{{ end }}"}),
    case("misc-subdir-render", "top", templates={"sub/dir/c.yaml": "{{ .Template.Name }} {{ .Template.BasePath }}"}),
    case("misc-notes", "x", templates={"NOTES.txt": "Thanks for installing {{ .Chart.Name }}."}),
    case("misc-template-name-object", "{{ typeOf .Template }} {{ .Template }}"),
    case("misc-values-typeof", "{{ typeOf .Values }} {{ kindOf .Values }} {{ typeOf . }}"),
    case("misc-release-print", "{{ .Release }}"),
    case("misc-chart-print", "{{ .Chart }}"),
    case("misc-chart-fields", "{{ .Chart.Keywords }} {{ .Chart.Maintainers }} {{ .Chart.Annotations }} {{ .Chart.Dependencies }} {{ .Chart.Deprecated }} [{{ .Chart.Home }}]"),
]
total += write("lang-misc", "Mixed language and object cases.", [(n, s | ({"values.yaml": V_APP} if "values.yaml" not in s else {})) for n, s in misc])
print("helm2 cases:", total)
