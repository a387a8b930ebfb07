print("chargebus: under construction")
