-- A meeting recorded offline carries the client id its device made: sent again, it is
-- stored once. Meetings recorded on the pages have none.
ALTER TABLE plc_meetings ADD COLUMN uuid TEXT;
CREATE UNIQUE INDEX plc_meetings_uuid ON plc_meetings(uuid);
