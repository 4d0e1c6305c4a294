package mockserver

// TODO(helper): implement.
type k0rdentStore struct{}

func (s *Server) registerK0rdent() {}
