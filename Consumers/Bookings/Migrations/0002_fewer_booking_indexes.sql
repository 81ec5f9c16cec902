-- Every step of the saga rewrites the booking row, and each rewrite adds an entry to every index
-- of the table. Two of them checked what is settled elsewhere: a record locator is unique in
-- record_locators, where it is drawn (and where a lookup by PNR starts), and a hold id is a
-- fresh UUID per booking.
ALTER TABLE bookings DROP CONSTRAINT bookings_pnr_key;
ALTER TABLE bookings DROP CONSTRAINT bookings_hold_id_key;
