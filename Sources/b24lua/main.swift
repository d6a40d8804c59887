print("b24lua")
