"""F0 declarations (seed 000): declaring a positive test, the station's decision,
isolation completion and its signed certificate."""
