-- Phone numbers of a carrier (issue 12): besides a SIP trunk (provider 'sip', the numbers of V5), a
-- number may belong to a Twilio or a Telnyx account, whose REST API places its calls. Secrets are
-- sealed (SecretBox) like the trunk password and never returned. Twilio signs its callbacks with the
-- account's auth token, so a Twilio number always has one; an API key, when given, places the calls.
-- Telnyx signs its webhooks with Ed25519: the account's public key (base64) verifies them.
ALTER TABLE phone_numbers
    ADD COLUMN provider              text NOT NULL DEFAULT 'sip' CHECK (provider IN ('sip', 'twilio', 'telnyx')),
    ADD COLUMN twilio_account_sid    text,
    ADD COLUMN twilio_auth_token     bytea,
    ADD COLUMN twilio_api_key_sid    text,
    ADD COLUMN twilio_api_key_secret bytea,
    ADD COLUMN telnyx_api_key        bytea,
    ADD COLUMN telnyx_connection_id  text,
    ADD COLUMN telnyx_public_key     text,
    ALTER COLUMN trunk_host DROP NOT NULL,
    ALTER COLUMN trunk_port DROP NOT NULL,
    ALTER COLUMN transport DROP NOT NULL,
    ADD CONSTRAINT phone_numbers_carrier_fields CHECK (CASE provider
        WHEN 'sip' THEN trunk_host IS NOT NULL AND trunk_port IS NOT NULL AND transport IS NOT NULL
        WHEN 'twilio' THEN twilio_account_sid IS NOT NULL AND twilio_auth_token IS NOT NULL
                           AND (twilio_api_key_sid IS NULL) = (twilio_api_key_secret IS NULL)
        WHEN 'telnyx' THEN telnyx_api_key IS NOT NULL AND telnyx_connection_id IS NOT NULL AND telnyx_public_key IS NOT NULL
    END);

-- The carrier's own id of a placed call (Twilio's CallSid, Telnyx's call_control_id), stored as soon as
-- the carrier returns it: recovery hangs a lost node's call up at the carrier with it. carrier_code is
-- the carrier's own word on the end (Twilio's SipResponseCode or ErrorCode), shown as carrier_code.
ALTER TABLE calls
    ADD COLUMN carrier         text CHECK (carrier IN ('twilio', 'telnyx')),
    ADD COLUMN carrier_call_id text,
    ADD COLUMN carrier_code    text;
