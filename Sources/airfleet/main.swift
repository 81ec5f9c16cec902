print("airfleet")
