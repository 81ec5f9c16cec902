-- The departures board (flight.board.v1) reads one day's flights from every origin; the route
-- index serves searches, which always name the origin.
CREATE INDEX flights_departure ON flights (departure);
