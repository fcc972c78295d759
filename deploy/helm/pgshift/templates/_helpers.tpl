{{/* Names. */}}
{{- define "pgshift.fullname" -}}
{{- if contains .Chart.Name .Release.Name -}}{{ .Release.Name | trunc 63 | trimSuffix "-" }}
{{- else -}}{{ printf "%s-%s" .Release.Name .Chart.Name | trunc 63 | trimSuffix "-" }}{{- end -}}
{{- end -}}

{{- define "pgshift.componentName" -}}
{{ printf "%s-%s" (include "pgshift.fullname" .root) .component | trunc 63 | trimSuffix "-" }}
{{- end -}}

{{- define "pgshift.selectorLabels" -}}
app.kubernetes.io/name: {{ .root.Chart.Name }}
app.kubernetes.io/instance: {{ .root.Release.Name }}
app.kubernetes.io/component: {{ .component }}
{{- end -}}

{{- define "pgshift.labels" -}}
{{ include "pgshift.selectorLabels" . }}
app.kubernetes.io/version: {{ .root.Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .root.Release.Service }}
helm.sh/chart: {{ printf "%s-%s" .root.Chart.Name .root.Chart.Version }}
{{- end -}}

{{- define "pgshift.secretName" -}}
{{- if .Values.secret.existingSecret -}}{{ .Values.secret.existingSecret }}{{- else -}}{{ include "pgshift.fullname" . }}{{- end -}}
{{- end -}}

{{- define "pgshift.serviceAccountName" -}}
{{- if .Values.serviceAccount.create -}}{{ default (include "pgshift.fullname" .) .Values.serviceAccount.name }}
{{- else -}}{{ default "default" .Values.serviceAccount.name }}{{- end -}}
{{- end -}}

{{- define "pgshift.image" -}}
{{- $tag := default .root.Chart.AppVersion .root.Values.image.tag -}}
{{ printf "%s-%s:%s" .root.Values.image.repository .component $tag }}
{{- end -}}

{{/* A duration as the services read it (10s, 500ms, 2m, 1h; a bare number is milliseconds), in whole seconds rounded up. */}}
{{- define "pgshift.durationSeconds" -}}
{{- $d := toString . | trim -}}
{{- if regexMatch "^[0-9]+\\s*ms$" $d -}}{{ div (add (regexFind "^[0-9]+" $d | int) 999) 1000 }}
{{- else if regexMatch "^[0-9]+\\s*s$" $d -}}{{ regexFind "^[0-9]+" $d | int }}
{{- else if regexMatch "^[0-9]+\\s*m$" $d -}}{{ mul (regexFind "^[0-9]+" $d | int) 60 }}
{{- else if regexMatch "^[0-9]+\\s*h$" $d -}}{{ mul (regexFind "^[0-9]+" $d | int) 3600 }}
{{- else if regexMatch "^[0-9]+$" $d -}}{{ div (add ($d | int) 999) 1000 }}
{{- else -}}{{ fail (printf "%q is not a duration such as 10s" $d) }}{{- end -}}
{{- end -}}

{{/* The batcher's grace period: what it may hold (one flush age of changes per table) plus the time to write it. */}}
{{- define "pgshift.batcherGraceSeconds" -}}
{{- if kindIs "invalid" .Values.batcher.terminationGracePeriodSeconds -}}
{{ add (include "pgshift.durationSeconds" .Values.batcher.flushAge | int) (.Values.batcher.shutdownAllowanceSeconds | int) }}
{{- else -}}{{ .Values.batcher.terminationGracePeriodSeconds | int }}{{- end -}}
{{- end -}}

{{/* The Secret's keys, as env vars; `required` lists those that must exist. */}}
{{- define "pgshift.secretEnv" -}}
{{- $secret := include "pgshift.secretName" .root -}}
{{- range .keys }}
- name: {{ . }}
  valueFrom:
    secretKeyRef:
      name: {{ $secret }}
      key: {{ . }}
      optional: {{ not (has . $.required) }}
{{- end }}
{{- end -}}

{{/* Extra env maps hold configuration, never credentials: those belong in the Secret. */}}
{{- define "pgshift.plainEnv" -}}
{{- range $k, $v := .env }}
{{- if regexMatch "(?i)(PASSWORD|SECRET|TOKEN|ACCESS_KEY|CREDENTIAL|WAREHOUSE_URL)" $k }}
{{- fail (printf "%s.env.%s looks like a credential: put it in the Secret (secret.values or secret.existingSecret), not in the ConfigMap" $.component $k) }}
{{- end }}
{{ $k }}: {{ toString $v | quote }}
{{- end }}
{{- end -}}

{{- define "pgshift.commonConfig" -}}
PGSHIFT_KAFKA_BROKERS: {{ required "kafka.brokers is required" .Values.kafka.brokers | quote }}
PGSHIFT_SCHEMA_REGISTRY_URL: {{ required "schemaRegistry.url is required" .Values.schemaRegistry.url | quote }}
{{- with .Values.schemaRegistry.timeout }}
PGSHIFT_SCHEMA_REGISTRY_TIMEOUT: {{ . | quote }}
{{- end }}
PGSHIFT_BATCHES_TOPIC: {{ .Values.topics.batches | quote }}
PGSHIFT_DEAD_LETTER_TOPIC: {{ .Values.topics.deadLetter | quote }}
PGSHIFT_S3_REGION: {{ .Values.s3.region | quote }}
{{- with .Values.s3.endpoint }}
PGSHIFT_S3_ENDPOINT: {{ . | quote }}
{{- end }}
PGSHIFT_S3_FORCE_PATH_STYLE: {{ .Values.s3.forcePathStyle | toString | quote }}
PGSHIFT_LOG_LEVEL: {{ .Values.logLevel | quote }}
{{- end -}}

{{/*
A Deployment of one service. dict: root, component, values (its section), port, grace, configMap (name or ""),
secretKeys, requiredSecretKeys, image, args.
*/}}
{{- define "pgshift.deployment" -}}
{{- $v := .values -}}
apiVersion: apps/v1
kind: Deployment
metadata:
  name: {{ include "pgshift.componentName" . }}
  labels:
    {{- include "pgshift.labels" . | nindent 4 }}
spec:
  replicas: {{ $v.replicas }}
  revisionHistoryLimit: 5
  selector:
    matchLabels:
      {{- include "pgshift.selectorLabels" . | nindent 6 }}
  strategy:
    # One member at a time: each restart is a consumer-group rebalance.
    type: RollingUpdate
    rollingUpdate: { maxSurge: 1, maxUnavailable: 0 }
  template:
    metadata:
      labels:
        {{- include "pgshift.selectorLabels" . | nindent 8 }}
      annotations:
        checksum/config: {{ .checksum }}
        {{- with $v.podAnnotations }}
        {{- toYaml . | nindent 8 }}
        {{- end }}
    spec:
      serviceAccountName: {{ include "pgshift.serviceAccountName" .root }}
      {{- with .root.Values.imagePullSecrets }}
      imagePullSecrets:
        {{- toYaml . | nindent 8 }}
      {{- end }}
      terminationGracePeriodSeconds: {{ .grace }}
      securityContext:
        runAsNonRoot: true
        runAsUser: 1000
        runAsGroup: 1000
        seccompProfile: { type: RuntimeDefault }
      containers:
        - name: {{ .component }}
          image: {{ .image }}
          imagePullPolicy: {{ .root.Values.image.pullPolicy }}
          {{- with .args }}
          args:
            {{- toYaml . | nindent 12 }}
          {{- end }}
          ports:
            - name: http
              containerPort: {{ .port }}
              protocol: TCP
          {{- if .configMap }}
          envFrom:
            - configMapRef:
                name: {{ .configMap }}
          {{- end }}
          env:
            - name: PGSHIFT_INSTANCE_ID
              valueFrom:
                fieldRef: { fieldPath: metadata.name }
            {{- with $v.nodeOptions }}
            - name: NODE_OPTIONS
              value: {{ . | quote }}
            {{- end }}
            {{- include "pgshift.secretEnv" (dict "root" .root "keys" .secretKeys "required" .requiredSecretKeys) | trim | nindent 12 }}
          livenessProbe:
            httpGet: { path: /healthz, port: http }
            initialDelaySeconds: 10
            periodSeconds: 10
            timeoutSeconds: 5
            failureThreshold: 6
          readinessProbe:
            # 503 while not in its consumer group, a table is stopped or waiting, or a Connect task FAILED.
            httpGet: { path: /readyz, port: http }
            periodSeconds: 10
            timeoutSeconds: 5
            failureThreshold: 3
          resources:
            {{- toYaml $v.resources | nindent 12 }}
          securityContext:
            allowPrivilegeEscalation: false
            readOnlyRootFilesystem: true
            capabilities: { drop: [ALL] }
          volumeMounts:
            - { name: tmp, mountPath: /tmp }
      volumes:
        - name: tmp
          emptyDir: {}
      {{- with $v.nodeSelector }}
      nodeSelector:
        {{- toYaml . | nindent 8 }}
      {{- end }}
      {{- with $v.tolerations }}
      tolerations:
        {{- toYaml . | nindent 8 }}
      {{- end }}
      {{- with $v.affinity }}
      affinity:
        {{- toYaml . | nindent 8 }}
      {{- end }}
{{- end -}}

{{/* A Service (for the ServiceMonitor: /metrics on the http port) and a PodDisruptionBudget of one component. */}}
{{- define "pgshift.serviceAndPdb" -}}
apiVersion: v1
kind: Service
metadata:
  name: {{ include "pgshift.componentName" . }}
  labels:
    {{- include "pgshift.labels" . | nindent 4 }}
spec:
  type: ClusterIP
  selector:
    {{- include "pgshift.selectorLabels" . | nindent 4 }}
  ports:
    - name: http
      port: {{ .port }}
      targetPort: http
      protocol: TCP
{{- if .values.pdb.enabled }}
---
apiVersion: policy/v1
kind: PodDisruptionBudget
metadata:
  name: {{ include "pgshift.componentName" . }}
  labels:
    {{- include "pgshift.labels" . | nindent 4 }}
spec:
  maxUnavailable: {{ .values.pdb.maxUnavailable }}
  # /readyz is 503 while a table is stopped: such pods may still be evicted, or a stopped table would block drains.
  unhealthyPodEvictionPolicy: AlwaysAllow
  selector:
    matchLabels:
      {{- include "pgshift.selectorLabels" . | nindent 6 }}
{{- end }}
{{- end -}}
