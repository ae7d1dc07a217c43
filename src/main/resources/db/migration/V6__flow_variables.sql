-- The {{variables}} an assistant's flow uses, worked out when the assistant is saved, so the
-- statement that accepts a call can refuse one that lacks them without parsing the config.
ALTER TABLE assistants ADD COLUMN flow_variables text[] NOT NULL DEFAULT '{}';
