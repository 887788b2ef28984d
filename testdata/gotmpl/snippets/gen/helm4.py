"""Generates helm-charts2.txt: more chart-like templates (stateful database, RBAC, policies).
Run: python3 testdata/gotmpl/snippets/gen/helm4.py"""
from lib import case, write

HELPERS = """\
{{- define "db.fullname" -}}
{{- printf "%s-%s" .Release.Name (.Values.nameOverride | default "db") | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{- define "db.labels" -}}
{{- $ctx := .ctx -}}
app: {{ include "db.fullname" $ctx }}
component: {{ .component | default "primary" }}
{{- range $k, $v := $ctx.Values.commonLabels }}
{{ $k }}: {{ $v | quote }}
{{- end }}
{{- end -}}

{{- define "db.pdbApiVersion" -}}
{{- if .Capabilities.APIVersions.Has "policy/v1/PodDisruptionBudget" -}}
policy/v1
{{- else -}}
policy/v1beta1
{{- end -}}
{{- end -}}

{{- define "db.password" -}}
{{- $existing := lookup "v1" "Secret" .Release.Namespace (include "db.fullname" .) -}}
{{- if and $existing $existing.data -}}
{{- index $existing.data "password" | b64dec -}}
{{- else -}}
{{- required "auth.password is required when no secret exists" .Values.auth.password -}}
{{- end -}}
{{- end -}}
"""
STS = """\
apiVersion: apps/v1
kind: StatefulSet
metadata:
  name: {{ include "db.fullname" . }}
  labels:
    {{- include "db.labels" (dict "ctx" . "component" "primary") | nindent 4 }}
spec:
  serviceName: {{ include "db.fullname" . }}-headless
  replicas: {{ .Values.replicas | int }}
  template:
    spec:
      {{- with .Values.nodeSelector }}
      nodeSelector: {{- toYaml . | nindent 8 }}
      {{- end }}
      containers:
        - name: db
          image: "{{ .Values.image.registry }}/{{ .Values.image.name }}:{{ .Values.image.tag | toString }}"
          args:
            {{- range .Values.extraArgs }}
            - {{ . | quote }}
            {{- end }}
          env:
            - name: DB_PASSWORD
              valueFrom:
                secretKeyRef:
                  name: {{ include "db.fullname" . }}
                  key: password
          {{- if .Values.persistence.enabled }}
          volumeMounts:
            - name: data
              mountPath: {{ .Values.persistence.mountPath | default "/var/lib/db" }}
          {{- end }}
  {{- if .Values.persistence.enabled }}
  volumeClaimTemplates:
    - metadata:
        name: data
      spec:
        accessModes: {{ toJson .Values.persistence.accessModes }}
        {{- if .Values.persistence.storageClass }}
        {{- if eq "-" .Values.persistence.storageClass }}
        storageClassName: ""
        {{- else }}
        storageClassName: {{ .Values.persistence.storageClass | quote }}
        {{- end }}
        {{- end }}
        resources:
          requests:
            storage: {{ .Values.persistence.size | quote }}
  {{- end }}
"""
SECRET = """\
apiVersion: v1
kind: Secret
metadata:
  name: {{ include "db.fullname" . }}
type: Opaque
data:
  password: {{ include "db.password" . | b64enc | quote }}
  {{- range $user := .Values.auth.extraUsers }}
  {{ printf "user-%s" $user.name }}: {{ $user.password | default "changeme" | b64enc | quote }}
  {{- end }}
"""
PDB = """\
{{- if gt (int .Values.replicas) 1 }}
apiVersion: {{ include "db.pdbApiVersion" . }}
kind: PodDisruptionBudget
metadata:
  name: {{ include "db.fullname" . }}
spec:
  {{- if .Values.pdb.minAvailable }}
  minAvailable: {{ .Values.pdb.minAvailable }}
  {{- else }}
  maxUnavailable: {{ .Values.pdb.maxUnavailable | default 1 }}
  {{- end }}
{{- end }}
"""
RBAC = """\
{{- if .Values.rbac.create }}
apiVersion: rbac.authorization.k8s.io/v1
kind: Role
metadata:
  name: {{ include "db.fullname" . }}
rules:
{{- range .Values.rbac.rules }}
  - apiGroups: {{ .apiGroups | default (list "") | toJson }}
    resources: {{ toJson .resources }}
    verbs:
    {{- range .verbs }}
      - {{ . }}
    {{- end }}
{{- end }}
{{- end }}
"""
NETPOL = """\
{{- with .Values.networkPolicy }}
{{- if .enabled }}
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata:
  name: {{ include "db.fullname" $ }}
spec:
  podSelector:
    matchLabels:
      app: {{ include "db.fullname" $ }}
  ingress:
    - ports:
        - port: {{ $.Values.port }}
      {{- if .allowFrom }}
      from:
        {{- range $ns := .allowFrom }}
        - namespaceSelector:
            matchLabels:
              kubernetes.io/metadata.name: {{ $ns }}
        {{- end }}
      {{- end }}
{{- end }}
{{- end }}
"""
VALUES = """\
replicas: 3
port: 5432
image:
  registry: registry.example.org
  name: db/postgres
  tag: 16.2
commonLabels:
  tier: data
  owner: platform
nodeSelector: {}
extraArgs: ["-c", "max_connections=200"]
auth:
  password: s3cret
  extraUsers:
    - name: reader
      password: r
    - name: writer
persistence:
  enabled: true
  storageClass: ""
  accessModes: [ReadWriteOnce]
  size: 10Gi
pdb:
  minAvailable: ""
  maxUnavailable: ""
rbac:
  create: true
  rules:
    - resources: [configmaps]
      verbs: [get, list]
    - apiGroups: [apps]
      resources: [statefulsets]
      verbs: [get]
networkPolicy:
  enabled: true
  allowFrom: [apps, monitoring]
"""
T = {"_helpers.tpl": HELPERS, "statefulset.yaml": STS, "secret.yaml": SECRET, "pdb.yaml": PDB, "rbac.yaml": RBAC, "networkpolicy.yaml": NETPOL}
variants = {
    "defaults": VALUES,
    "single-replica": VALUES.replace("replicas: 3", "replicas: 1"),
    "no-password": VALUES.replace("  password: s3cret\n", ""),
    "storage-dash": VALUES.replace('storageClass: ""', 'storageClass: "-"'),
    "storage-named": VALUES.replace('storageClass: ""', "storageClass: fast"),
    "no-persistence": VALUES.replace("persistence:\n  enabled: true", "persistence:\n  enabled: false"),
    "min-available": VALUES.replace('minAvailable: ""', "minAvailable: 2"),
    "node-selector": VALUES.replace("nodeSelector: {}", "nodeSelector:\n  disk: ssd\n  zone: a"),
    "no-rbac-no-netpol": VALUES.replace("rbac:\n  create: true", "rbac:\n  create: false").replace("networkPolicy:\n  enabled: true", "networkPolicy:\n  enabled: false"),
    "replicas-string": VALUES.replace("replicas: 3", "replicas: \"2\""),
    "tag-float": VALUES.replace("tag: 16.2", "tag: 16.10"),
    "bad-rules": VALUES.replace("verbs: [get]\n", "verbs: get\n"),
}
cases = [case(f"db-{k}", None, v, templates=T) for k, v in variants.items()]
print("helm4 cases:", write("helm-charts2", "More chart-like templates: a stateful database with RBAC, PDB and network policy.", cases))
