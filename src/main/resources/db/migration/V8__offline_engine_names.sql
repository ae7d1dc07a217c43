-- The offline engines now refuse models and voices they do not have (FreeTTS speaks only as kevin at
-- 8 kHz, Sphinx4 has only en-us, the flow responder has no models). Earlier versions accepted any
-- name and ignored it; stored assistants get the name they were in fact using, so they stay readable.
UPDATE assistants SET config = jsonb_set(jsonb_set(config, '{voice,voiceId}', '"kevin"'), '{voice,model}', '"kevin-8khz"')
 WHERE config #>> '{voice,provider}' = 'freetts'
   AND (config #>> '{voice,voiceId}' IS DISTINCT FROM 'kevin' OR config #>> '{voice,model}' IS DISTINCT FROM 'kevin-8khz');
UPDATE assistants SET config = jsonb_set(config, '{transcriber,model}', '"en-us"')
 WHERE config #>> '{transcriber,provider}' = 'sphinx' AND config #>> '{transcriber,model}' IS DISTINCT FROM 'en-us';
UPDATE assistants SET config = jsonb_set(config, '{model,model}', '"default"')
 WHERE config #>> '{model,provider}' = 'flow' AND config #>> '{model,model}' IS DISTINCT FROM 'default';
