// Actor and the lab events are used by every area of the portal.
global using Portal.Events;
global using Portal.Identity;
