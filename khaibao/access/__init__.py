"""Guards every room's admin and views stand on: ScopedModelAdmin (staff see only their
area, another area's object is a 404, every read and change is audited) and
citizen_required (phone-OTP citizens only). Below the rooms that use them (audit,
people, areas, rules and the domain apps), above accounts' scope and audit's services."""
