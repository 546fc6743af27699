"""Taking engagement in: POST /v1/events and the marketing tools' signed webhooks, published durably to Kafka."""
