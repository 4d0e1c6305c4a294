package mockserver

// TODO(helper): implement.
type ariaStore struct{}

func (s *Server) registerAriaLogs() {}
