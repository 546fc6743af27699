{{/* Names and labels. */}}
{{- define "handoff.fullname" -}}
{{- if contains .Chart.Name .Release.Name -}}
{{- .Release.Name | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- printf "%s-%s" .Release.Name .Chart.Name | trunc 63 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}

{{- define "handoff.labels" -}}
app.kubernetes.io/name: {{ .Chart.Name }}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version }}
{{- end -}}

{{/* Selector labels of one tier: (dict "root" $ "tier" "scorer") */}}
{{- define "handoff.selector" -}}
app.kubernetes.io/name: {{ .root.Chart.Name }}
app.kubernetes.io/instance: {{ .root.Release.Name }}
app.kubernetes.io/component: {{ .tier }}
{{- end -}}

{{- define "handoff.image" -}}
{{ .Values.image.repository }}:{{ .Values.image.tag | default .Chart.AppVersion }}
{{- end -}}

{{/* One env entry per non-null setting of a map keyed by settings names: HANDOFF_<NAME>. */}}
{{- define "handoff.settingsEnv" -}}
{{- range $name, $value := . }}
{{- if not (kindIs "invalid" $value) }}
- name: HANDOFF_{{ upper $name }}
  value: {{ if kindIs "string" $value }}{{ $value | quote }}{{ else }}{{ toJson $value | quote }}{{ end }}
{{- end }}
{{- end }}
{{- end -}}

{{- define "handoff.secretEnv" -}}
- name: {{ .env }}
  valueFrom:
    secretKeyRef:
      name: {{ .ref.name }}
      key: {{ .ref.key }}
{{- end -}}

{{/* What every process needs to reach Kafka and PostgreSQL (the migrations hook too). */}}
{{- define "handoff.connectionEnv" -}}
{{- $k := .Values.kafka -}}
- name: HANDOFF_KAFKA_BOOTSTRAP
  value: {{ $k.bootstrapServers | quote }}
- name: HANDOFF_TOPIC_PREFIX
  value: {{ $k.topicPrefix | quote }}
- name: HANDOFF_TOPIC_PARTITIONS
  value: {{ $k.partitions | quote }}
- name: HANDOFF_KAFKA_SECURITY_PROTOCOL
  value: {{ $k.securityProtocol | quote }}
{{- if hasPrefix "SASL_" $k.securityProtocol }}
- name: HANDOFF_KAFKA_SASL_MECHANISM
  value: {{ $k.sasl.mechanism | quote }}
- name: HANDOFF_KAFKA_SASL_USERNAME
  value: {{ required "kafka.sasl.username is needed with SASL" $k.sasl.username | quote }}
{{ include "handoff.secretEnv" (dict "env" "HANDOFF_KAFKA_SASL_PASSWORD" "ref" $k.sasl.passwordSecret) }}
{{- end }}
{{- if and (hasSuffix "SSL" $k.securityProtocol) $k.tls.caSecret.name }}
- name: HANDOFF_KAFKA_SSL_CA_FILE
  value: /etc/handoff/kafka-ca/{{ $k.tls.caSecret.key }}
{{- end }}
{{- if and (hasSuffix "SSL" $k.securityProtocol) $k.tls.clientSecret.name }}
- name: HANDOFF_KAFKA_SSL_CERT_FILE
  value: /etc/handoff/kafka-client/{{ $k.tls.clientSecret.certKey }}
- name: HANDOFF_KAFKA_SSL_KEY_FILE
  value: /etc/handoff/kafka-client/{{ $k.tls.clientSecret.keyKey }}
{{- end }}
{{ include "handoff.secretEnv" (dict "env" "HANDOFF_DATABASE_URL" "ref" .Values.database.urlSecret) }}
{{- end -}}

{{- define "handoff.kafkaVolumeMounts" -}}
{{- $k := .Values.kafka -}}
{{- if and (hasSuffix "SSL" $k.securityProtocol) $k.tls.caSecret.name }}
- name: kafka-ca
  mountPath: /etc/handoff/kafka-ca
  readOnly: true
{{- end }}
{{- if and (hasSuffix "SSL" $k.securityProtocol) $k.tls.clientSecret.name }}
- name: kafka-client
  mountPath: /etc/handoff/kafka-client
  readOnly: true
{{- end }}
{{- end -}}

{{- define "handoff.kafkaVolumes" -}}
{{- $k := .Values.kafka -}}
{{- if and (hasSuffix "SSL" $k.securityProtocol) $k.tls.caSecret.name }}
- name: kafka-ca
  secret:
    secretName: {{ $k.tls.caSecret.name }}
    items: [{key: {{ $k.tls.caSecret.key }}, path: {{ $k.tls.caSecret.key }}}]
{{- end }}
{{- if and (hasSuffix "SSL" $k.securityProtocol) $k.tls.clientSecret.name }}
- name: kafka-client
  secret:
    secretName: {{ $k.tls.clientSecret.name }}
    defaultMode: 0400
{{- end }}
{{- end -}}

{{/* The secrets and files a tier reads: (dict "root" $ "tier" "scorer"|"ingest"|"router") */}}
{{- define "handoff.serviceEnv" -}}
{{- $v := .root.Values -}}
{{- $scorerSide := ne .tier "router" -}}
{{- $secrets := list (list "HANDOFF_ADMIN_KEY" $v.secrets.adminKey) (list "HANDOFF_SECRETS_KEY" $v.secrets.secretsKey) -}}
{{- if $scorerSide -}}
{{- $secrets = concat $secrets (list (list "HANDOFF_MAUTIC_SECRET" $v.secrets.mauticSecret) (list "HANDOFF_HUBSPOT_CLIENT_SECRET" $v.secrets.hubspotClientSecret) (list "HANDOFF_SEGMENT_SECRET" $v.secrets.segmentSecret) (list "HANDOFF_WEBHOOK_SECRET" $v.secrets.webhookSecret)) -}}
{{- else -}}
{{- $secrets = concat $secrets (list (list "HANDOFF_HUBSPOT_CLIENT_SECRET" $v.secrets.hubspotClientSecret) (list "HANDOFF_HUBSPOT_TOKEN" $v.secrets.hubspotToken) (list "HANDOFF_SALESFORCE_CLIENT_SECRET" $v.secrets.salesforceClientSecret) (list "HANDOFF_SALESFORCE_PRIVATE_KEY" $v.secrets.salesforcePrivateKey) (list "HANDOFF_SALESFORCE_OUTBOUND_TOKEN" $v.secrets.salesforceOutboundToken)) -}}
{{- $secrets = append $secrets (list "HANDOFF_REVIEW_SLACK_WEBHOOK_URL" ($v.secrets.reviewSlackWebhook | default dict)) -}}
{{- end -}}
- name: HANDOFF_HOST
  value: "0.0.0.0"
- name: HANDOFF_RUN_CONSUMERS
  value: {{ ne .tier "ingest" | quote }}
{{- if $scorerSide }}
- name: HANDOFF_SCORER_PORT
  value: {{ $v.scorer.port | quote }}
{{- else }}
- name: HANDOFF_ROUTER_PORT
  value: {{ $v.router.port | quote }}
{{- end }}
{{- range $secrets }}
{{- if (index . 1).name }}
{{ include "handoff.secretEnv" (dict "env" (index . 0) "ref" (index . 1)) }}
{{- end }}
{{- end }}
{{- if and $scorerSide $v.integrationMappings }}
- name: HANDOFF_INTEGRATION_MAPPINGS
  value: /etc/handoff/integrations/mappings.yaml
{{- end }}
{{- end -}}
