-- What was said on a call, turn by turn, written as each turn ends (a crash keeps what came before).
-- Offsets are milliseconds on the recording's timeline (from the answer). Latency columns are set
-- on the assistant's turns that answered something: how long each stage took.
CREATE TABLE call_turns (
    call_id        text     NOT NULL REFERENCES calls(id),
    seq            integer  NOT NULL,
    speaker        text     NOT NULL,
    text           text     NOT NULL,
    start_ms       bigint   NOT NULL,
    end_ms         bigint   NOT NULL,
    interrupted    boolean  NOT NULL DEFAULT false,
    error          text,
    endpointing_ms integer,
    stt_ms         integer,
    responder_ms   integer,
    tts_ms         integer,
    platform_ms    integer,
    total_ms       integer,
    PRIMARY KEY (call_id, seq)
);
