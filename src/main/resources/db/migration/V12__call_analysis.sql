-- What is known of a call once it is over, written once with its final status: the model's summary
-- and the values of the assistant's structured_data fields (both null when the call was not
-- analyzed), and what the call used of paid providers, for cost accounting (zero for the offline
-- engines). Columns rather than one jsonb so that costs sum in plain SQL.
ALTER TABLE calls
    ADD COLUMN summary               text,
    ADD COLUMN structured_data       jsonb,
    ADD COLUMN llm_prompt_tokens     bigint           NOT NULL DEFAULT 0,
    ADD COLUMN llm_completion_tokens bigint           NOT NULL DEFAULT 0,
    ADD COLUMN stt_seconds           double precision NOT NULL DEFAULT 0,
    ADD COLUMN tts_characters        bigint           NOT NULL DEFAULT 0;

-- structured_data is now checked when an assistant is saved (StructuredFields); before, any array
-- of objects was accepted and had no effect. A stored list that breaks the new rules is moved to
-- metadata.structured_data_before_v12, so nothing is lost and the assistant stays readable. The
-- rules below are StructuredFields' own, as of this version.
-- CASE keeps PostgreSQL from calling an array or object function on the wrong kind of value.
UPDATE assistants
   SET config = jsonb_set(
           jsonb_set(config, '{metadata}', COALESCE(config -> 'metadata', '{}'::jsonb)
                     || jsonb_build_object('structured_data_before_v12', config -> 'structured_data')),
           '{structured_data}', '[]'::jsonb)
 WHERE CASE WHEN jsonb_typeof(config -> 'structured_data') = 'array' THEN
           jsonb_array_length(config -> 'structured_data') > 50
        OR (SELECT count(DISTINCT f ->> 'name') <> count(*) FROM jsonb_array_elements(config -> 'structured_data') f)
        OR EXISTS (
            SELECT 1 FROM jsonb_array_elements(config -> 'structured_data') f
             WHERE (CASE WHEN jsonb_typeof(f) = 'object' THEN
                        NOT EXISTS (SELECT 1 FROM jsonb_object_keys(f) k WHERE k NOT IN ('name', 'type', 'description', 'enum'))
                    AND jsonb_typeof(f -> 'name') = 'string' AND f ->> 'name' ~ '^[A-Za-z_][A-Za-z0-9_]{0,63}$'
                    AND jsonb_typeof(f -> 'type') = 'string' AND f ->> 'type' IN ('string', 'number', 'boolean', 'enum')
                    AND COALESCE(jsonb_typeof(f -> 'description'), 'null') IN ('null', 'string')
                    AND length(COALESCE(f ->> 'description', '')) <= 1000
                    AND CASE WHEN f ->> 'type' IS DISTINCT FROM 'enum' THEN COALESCE(jsonb_typeof(f -> 'enum'), 'null') = 'null'
                             WHEN jsonb_typeof(f -> 'enum') = 'array' THEN
                                 jsonb_array_length(f -> 'enum') BETWEEN 1 AND 100
                             AND NOT EXISTS (SELECT 1 FROM jsonb_array_elements(f -> 'enum') v
                                              WHERE jsonb_typeof(v) <> 'string' OR length(v #>> '{}') NOT BETWEEN 1 AND 200)
                             AND (SELECT count(DISTINCT v) = count(*) FROM jsonb_array_elements(f -> 'enum') v)
                             ELSE false END
                    ELSE false END) IS NOT TRUE)
       ELSE false END;
