-- Who answered a call (issue 13): a person, a machine (and whether its beep was heard), a fax, or
-- unknown; how sure, and how many ms after the answer it was decided. Null until decided, and on
-- calls whose assistant does not detect machines. Written when the verdict is first known and
-- rewritten if it changes before it settles. Columns rather than one jsonb, as for the call's usage
-- (V12): "how many of this campaign's calls reached a mailbox" is plain SQL on answered_by, and the
-- shape is fixed (the API's answered_by object is built from these four).
ALTER TABLE calls
    ADD COLUMN answered_by            text CHECK (answered_by IN ('human', 'machine', 'fax', 'unknown')),
    ADD COLUMN answered_by_beep       boolean,
    ADD COLUMN answered_by_confidence real,
    ADD COLUMN answered_by_ms         integer;
