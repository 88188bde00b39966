package httpapi

func (s *Server) authRoutes() {}

func (s *Server) accountRoutes() {}
