package httpapi

func (s *Server) activityRoutes() {}
