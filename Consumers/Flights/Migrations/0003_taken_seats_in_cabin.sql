-- Each cabin keeps the labels of its seats held or sold, so a hold reads them from the cabin's
-- one row, which it locks and rewrites anyway. Gathered from seat_assignments, a cabin's few
-- hundred seats lay on as many heap pages (holds of thousands of flights interleave there), and
-- every hold read them all. seat_assignments stays the last word on "one seat, one hold"; the
-- same statements change both, under the flight's row lock, and `taken` is now their count.
ALTER TABLE flight_cabins ADD COLUMN taken_seats text[] NOT NULL DEFAULT '{}';

UPDATE flight_cabins c SET taken_seats = a.seats
FROM (SELECT flight_id, cabin, array_agg(seat ORDER BY seat) AS seats FROM seat_assignments GROUP BY 1, 2) a
WHERE a.flight_id = c.flight_id AND a.cabin = c.cabin;

ALTER TABLE flight_cabins DROP COLUMN taken;
ALTER TABLE flight_cabins ADD COLUMN taken integer GENERATED ALWAYS AS (cardinality(taken_seats)) STORED;
ALTER TABLE flight_cabins ADD CHECK (cardinality(taken_seats) <= seats);

-- The largest cabin's labels take about 2.5 KB: kept in the row as they are, not compressed
-- again on every hold.
ALTER TABLE flight_cabins ALTER COLUMN taken_seats SET STORAGE PLAIN;
