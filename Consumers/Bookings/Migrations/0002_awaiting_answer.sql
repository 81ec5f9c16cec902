-- Bookings whose saga waits for an answer until the row's deadline_at, for the timeout job.
--
-- An index on bookings.deadline_at changed with every step, and so did the one on pnr at the
-- last: each step's update of the booking row then wrote a new entry in each of its seven
-- indexes. With the waiting bookings listed here (a row inserted when a saga starts to wait,
-- deleted when it stops) and record locators kept unique by record_locators alone, a step
-- changes no indexed column, and the update stays on the row's page (a HOT update), for which
-- the page keeps room.
CREATE TABLE awaiting_answer (
    booking_id uuid PRIMARY KEY
);
INSERT INTO awaiting_answer SELECT booking_id FROM bookings WHERE deadline_at IS NOT NULL;
DROP INDEX bookings_deadline;
ALTER TABLE bookings DROP CONSTRAINT bookings_pnr_key;
ALTER TABLE bookings SET (fillfactor = 60);
