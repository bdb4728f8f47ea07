# sockmap/sm.mk: the manager: members, ownership, kill.
