# sockmap/sm.mk: the manager: members, ownership, kill.
sockmap_libsockmap_la_SOURCES += sockmap/sm.h sockmap/sm_int.h sockmap/sm.c \
	sockmap/sm_attach.c sockmap/sm_add.c sockmap/sm_member.c \
	sockmap/sm_given.c sockmap/sm_fin.c sockmap/sm_bp.c sockmap/sm_cidx.c sockmap/sm_diag.c sockmap/sm_diag.h \
	sockmap/sm_sock.c sockmap/sm_sock.h sockmap/sm_pid.c sockmap/sm_pid.h \
	sockmap/sm_hold.c sockmap/holder.h sockmap/holder_int.h sockmap/holder.c \
	sockmap/holder_client.c
