# tests/sm_accel.mk: accelerate on real loopback TCP.
