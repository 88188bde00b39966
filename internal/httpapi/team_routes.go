package httpapi

func (s *Server) teamRoutes() {}

func (s *Server) memberRoutes() {}
