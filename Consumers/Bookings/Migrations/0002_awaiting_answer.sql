-- Bookings whose saga waits for an answer, with the deadline of the current step: what the
-- timeout job scans, a table as small as the number of sagas in flight.
--
-- An index on bookings.deadline_at changed with every step, and so did the one on pnr at the
-- last: each step's update of the booking row then wrote a new entry in each of its seven
-- indexes. With the deadlines here (no index on them either: the job reads the whole small
-- table) and record locators kept unique by record_locators alone, a step changes no indexed
-- column of either table, and its updates stay on their pages (HOT updates), for which the
-- bookings pages keep room.
CREATE TABLE awaiting_answer (
    booking_id  uuid        PRIMARY KEY,
    deadline_at timestamptz NOT NULL
);
INSERT INTO awaiting_answer SELECT booking_id, deadline_at FROM bookings WHERE deadline_at IS NOT NULL;
DROP INDEX bookings_deadline;
ALTER TABLE bookings DROP CONSTRAINT bookings_pnr_key;
ALTER TABLE bookings SET (fillfactor = 60);
