# sockmap/accel.mk: the accelerate built-in.
