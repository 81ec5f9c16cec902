-- Each step of the saga rewrites the booking row. When no indexed column changes and the row's
-- page has room, PostgreSQL keeps the new version beside the old one and adds nothing to any of
-- the table's five indexes (a heap-only tuple update); otherwise every step adds an entry to
-- each of them. The step's deadline changes at every step, so it is no longer indexed. The
-- timeout sweep reads sweep_at instead: when it looks at the booking next, never after its
-- deadline. It starts at the first deadline, which is the earliest (a later step's deadline is
-- never before the first), stays put while the saga runs, and is cleared when the booking
-- closes; the sweep moves it to the deadline when it finds the booking early.
ALTER TABLE bookings ADD COLUMN sweep_at timestamptz;
UPDATE bookings SET sweep_at = deadline_at WHERE deadline_at IS NOT NULL;
CREATE INDEX bookings_sweep ON bookings (sweep_at) WHERE sweep_at IS NOT NULL;
DROP INDEX bookings_deadline;

-- Set where a booking is made, so every writer of bookings starts it alike.
CREATE FUNCTION bookings_first_sweep() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    NEW.sweep_at := COALESCE(NEW.sweep_at, NEW.deadline_at);
    RETURN NEW;
END
$$;
CREATE TRIGGER bookings_first_sweep BEFORE INSERT ON bookings
    FOR EACH ROW EXECUTE FUNCTION bookings_first_sweep();

-- Room on each page for a booking's next versions (new pages only; old bookings are closed).
ALTER TABLE bookings SET (fillfactor = 70);
