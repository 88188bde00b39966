package httpapi

func (s *Server) productRoutes() {}
