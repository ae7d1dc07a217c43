-- A workspace's provider key went to whatever base_url an assistant named, so anyone able to save
-- an assistant could point one at a server of theirs and read the key from the Authorization
-- header. From now on a key goes only where it was meant to: base_url NULL means the provider's own
-- service (api.openai.com, ...); a URL means that server alone (same scheme, host and port), never
-- the provider's own. Existing keys become NULL, the provider's own service: a workspace that used
-- its key at another server (Groq, a proxy) must PUT it again with that base_url. Guessing the
-- server from its assistants would keep exactly the leak this closes.
ALTER TABLE provider_credentials ADD COLUMN base_url text;

-- With that, no call needs a key at a server other than the provider's own (one there is scoped
-- to it or absent), so required_keys no longer lists deepgram or elevenlabs used at a base_url of
-- their own. NULL makes every node's start-up work it out again (AssistantStore.fillRequiredKeys).
UPDATE assistants SET required_keys = NULL WHERE required_keys IS NOT NULL AND required_keys <> '{}';
