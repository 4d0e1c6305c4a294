package mockserver

// TODO(helper): implement.
type spaceoneStore struct{}

func (s *Server) registerSpaceONE() {}
