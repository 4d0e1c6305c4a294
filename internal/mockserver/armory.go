package mockserver

// TODO(helper): implement.
type armoryStore struct{}

func (s *Server) registerArmory() {}
